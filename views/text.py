"""Text from data shown in Streamlit as plain text: names never turn into Markdown, links or HTML."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    """Text safe to put inside Streamlit Markdown: every Markdown character is backslash-escaped.

    Names typed by users or read from data files (areas, wards, streets) would otherwise be read as
    Markdown or HTML, so a name like ``[x](javascript:...)`` becomes a link.
    """
    return _MD_SPECIAL.sub(r"\\\1", str(text))
