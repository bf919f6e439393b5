"""Printing helpers shared by the sub-commands."""

from __future__ import annotations

import json
import sys
from typing import Any


def print_json(payload: Any) -> None:
    """JSON on stdout (UTF-8, stable key order as built) so other tools can consume it."""
    json.dump(payload, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
