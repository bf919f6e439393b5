"""Tables people open in a spreadsheet: every CSV the app or the command line writes is made here.

Why one place: a spreadsheet reads a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula, and
some read a leading tab or carriage return the same way, so a ward, street or area name from a file or
typed by a user - ``=HYPERLINK("http://x","click me")`` - would become a live link or command when a
partner opens the export ("CSV injection"). OWASP's guidance is to put a single quote before such a cell,
which makes the spreadsheet show it as the text it is. :func:`csv_bytes` does that to every text cell and
heading of the table it writes, and nowhere else writes CSV (a test scans the code for other writers).

Numbers stay numbers. Only text is touched: a float column's -1.7733 is written as the number it is, and a
text cell that is exactly a plain decimal number (a longitude kept as read from a file, "-1.7733") is left
alone too, because a spreadsheet reads it as that number and nothing else; ``-1+2`` is not a plain number
and is quoted.
"""

from __future__ import annotations

import re

import pandas as pd

import config

#: Text starting like this (after any spaces) is read as a formula by some spreadsheet program.
_FORMULA_START = r"^(?:[\t\r]|\s*[=+\-@])"
#: A plain decimal number, which a spreadsheet reads as that number whatever its sign.
_PLAIN_NUMBER = r"^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$"
QUOTE = "'"


def safe_text(text: str) -> str:
    """``text`` as a spreadsheet cell that cannot run: a quote first when it would start a formula."""
    if re.match(_FORMULA_START, text) and not re.match(_PLAIN_NUMBER, text):
        return QUOTE + text
    return text


def _safe_column(values: pd.Series) -> pd.Series:
    """A column with its text cells made safe; numbers, dates and empty cells as they were."""
    if values.dtype == object:
        # a column of Python objects may mix text with numbers: only the text is looked at
        texts = values.map(lambda v: v if isinstance(v, str) else None).astype("str")
    elif pd.api.types.is_string_dtype(values):
        texts = values
    else:
        return values
    risky = texts.str.contains(_FORMULA_START, regex=True, na=False) & ~texts.str.contains(
        _PLAIN_NUMBER, regex=True, na=False
    )
    if not risky.any():
        return values
    return values.where(~risky.to_numpy(), QUOTE + texts)


def safe_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells and headings cannot start a formula in a spreadsheet."""
    safe = pd.DataFrame({i: _safe_column(table.iloc[:, i]) for i in range(table.shape[1])}, index=table.index)
    safe.columns = [safe_text(str(c)) for c in table.columns]
    return safe


def csv_bytes(table: pd.DataFrame) -> bytes:
    """``table`` (without its index) as CSV in UTF-8 with a byte-order mark, so Excel shows names with
    accents and arrows correctly, every text cell made safe by :func:`safe_text`.

    Rows end with CR LF, as Excel's own CSV does: the writer then quotes every cell holding a carriage
    return, which a spreadsheet would otherwise take for the end of a row - and read what follows it, an
    ``=1+1`` say, as a new cell.
    """
    return safe_table(table).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def file_name(stem: str, extension: str, *, synthetic: bool = False) -> str:
    """A download's or written file's name: letters, digits, dot, dash and underscore only, since stems
    are made from place names and uploaded file names that can hold anything; ``SYNTHETIC-`` first when the
    file was built from synthetic data, so a copy passed on without the app still says what it is. Every
    page's downloads and every file the command line writes are named here."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("._-") or "download"
    return f"{'SYNTHETIC-' if synthetic else ''}{safe}.{extension}"


def labelled(table: pd.DataFrame, synthetic: bool) -> pd.DataFrame:
    """``table`` for export, with a first column ``data`` holding the synthetic-data label on every row
    when it was built from synthetic data (a row copied elsewhere keeps its label)."""
    if not synthetic:
        return table
    return table.assign(data=config.SYNTHETIC_LABEL)[["data", *table.columns]]
