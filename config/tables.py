"""Reading a TOML data file with checks that name the file, the table and the key.

Why: the files under ``data/`` are edited by hand by the partnership. A typo there must stop the app or
command with one sentence - which file, which key, what was expected and what was found - never a
``KeyError`` traceback, and never a silent default that changes what the app counts.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn


class SettingsError(ValueError):
    """A file under ``data/`` is wrong: one sentence naming the file, the key or row, and what was expected.

    A ValueError, so callers that refuse bad values catch it as before; its own class so the app can show
    it as a message rather than Streamlit's generic error, naming the file without its server path.
    """

    def __init__(self, path: Path, text: str) -> None:
        super().__init__(f"{path}: {text}")
        self.path = path
        self.text = text

    def brief(self) -> str:
        """The sentence with the file named by its name only (for a web page)."""
        return f"{self.path.name}: {self.text}"


#: Stands for a key the file does not give (None is not a TOML value, but this reads better in checks).
_MISSING: Any = object()


def read_toml(path: Path) -> Table:
    """The whole file as a :class:`Table`; a file that is not TOML at all is one sentence too."""
    try:
        with open(path, "rb") as f:
            return Table(path, "", tomllib.load(f))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(path, f"is not a valid TOML file ({exc})") from None


def _listed(values: Collection[object]) -> str:
    return ", ".join(repr(v) if isinstance(v, str) else str(v) for v in values)


@dataclass(frozen=True)
class Table:
    """One TOML table of a data file, with where it sits ("[candidates]", "[[phases]] rule 2"), so every
    check can say exactly which key is wrong."""

    path: Path
    #: how a message names this table; "" for the top of the file
    name: str
    raw: Mapping[str, Any]

    def fail(self, key: str, expected: str, value: Any = _MISSING) -> NoReturn:
        """Raise the one-sentence :class:`SettingsError` for ``key``: must be ``expected``, not ``value``."""
        where = f"{self.name} {key}" if self.name else key
        found = "but the file does not give it" if value is _MISSING else f"not {value!r}"
        raise SettingsError(self.path, f"{where} must be {expected}, {found}")

    def only(self, *keys: str) -> None:
        """Refuse keys the app does not read: a misspelt optional key would otherwise be ignored silently
        (a phase rule with ``hot_lastest = true`` would fit every area)."""
        unknown = [k for k in self.raw if k not in keys]
        if unknown:
            place = self.name or "the file"
            allowed, found = ", ".join(keys), ", ".join(unknown)
            raise SettingsError(self.path, f"{place} may only have {allowed}, not {found}")

    def table(self, key: str) -> Table:
        """The table under ``key`` (``[section]`` or ``[section.key]``)."""
        value = self.raw.get(key, _MISSING)
        name = f"[{key}]" if not self.name else f"[{self.name.strip('[]')}.{key}]"
        if not isinstance(value, Mapping):
            self.fail(key, "a table", value)
        return Table(self.path, name, value)

    def tables(self, key: str, entry: str) -> tuple[Table, ...]:
        """The non-empty list of tables under ``key`` (``[[key]]`` or ``key = [{...}, ...]``); each is
        named ``entry`` and its number from 1: "[[phases]] rule 2", "[presets.fire] weight 1"."""
        value = self.raw.get(key, _MISSING)
        if not isinstance(value, list) or not value or not all(isinstance(v, Mapping) for v in value):
            self.fail(key, "a list of one or more tables", value)
        prefix = f"[[{key}]]" if not self.name else self.name
        return tuple(Table(self.path, f"{prefix} {entry} {i}", v) for i, v in enumerate(value, start=1))

    def whole(self, key: str, least: int, most: int | None = None) -> int:
        """A whole number from ``least`` (to ``most``)."""
        value = self.raw.get(key, _MISSING)
        if isinstance(value, bool) or not isinstance(value, int) or value < least or (
            most is not None and value > most
        ):
            bounds = f"of at least {least}" if most is None else f"from {least} to {most}"
            self.fail(key, f"a whole number {bounds}", value)
        return value

    def number(self, key: str, least: float, most: float) -> float:
        """A number (whole or decimal) from ``least`` to ``most``."""
        value = self.raw.get(key, _MISSING)
        if isinstance(value, bool) or not isinstance(value, int | float) or not least <= value <= most:
            self.fail(key, f"a number from {least:g} to {most:g}", value)
        return float(value)

    def text(self, key: str, default: str | None = None) -> str:
        """Text; without a ``default`` the key must be given and not blank."""
        value = self.raw.get(key, _MISSING)
        if value is _MISSING and default is not None:
            return default
        if not isinstance(value, str) or (default is None and not value.strip()):
            self.fail(key, "text in quotes" + ("" if default is not None else " that is not blank"), value)
        return value

    def one_of(self, key: str, allowed: Collection[object], default: Any = _MISSING) -> Any:
        """One of ``allowed`` (e.g. a resolution, or "month"/"quarter")."""
        value = self.raw.get(key, _MISSING)
        if value is _MISSING and default is not _MISSING:
            return default
        if isinstance(value, bool) or value not in allowed:
            self.fail(key, f"one of {_listed(allowed)}", value)
        return value

    def texts(self, key: str, allowed: Collection[str] | None = None) -> tuple[str, ...] | None:
        """A list of text (each one of ``allowed`` when given); None when the key is not there."""
        value = self.raw.get(key, _MISSING)
        if value is _MISSING:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, "a list of text in quotes", value)
        wrong = [v for v in value if allowed is not None and v not in allowed]
        if wrong:
            self.fail(key, f"a list of {_listed(allowed or ())}", wrong)
        return tuple(value)

    def flag(self, key: str) -> bool | None:
        """true or false; None when the key is not there."""
        value = self.raw.get(key, _MISSING)
        if value is _MISSING:
            return None
        if not isinstance(value, bool):
            self.fail(key, "true or false", value)
        return value
