"""Reading the files partners actually have: CSV and XLSX, whatever the encoding, delimiter or title rows.

Every importer reads through :func:`read_table`, so every source gets the same robustness and the same
error sentences. Why this much care: the analyst loads files exported by other organisations' systems or
re-saved in Excel. Those arrive with a byte-order mark, in Windows-1252 or UTF-16, semicolon-separated,
with a title row above the headings, as a workbook renamed ``.csv``, or not as text at all. Each of
those is either read correctly or refused with :class:`FileProblem`: one sentence naming the file and
saying what was expected, never a traceback and never a silent misreading.

Columns are found by *name*, not position, comparing loosely (case, spaces and punctuation ignored) and
accepting the synonyms each source declares in its :class:`Schema`, so ``Crime ID``, ``crime_id`` and
``CRIME-ID`` are one column, and a council export that says ``Grid Easting`` works like ``Easting``.

Row numbers are spreadsheet row numbers (the heading is its own row, the first row is 1), so a row
named in an import report is the row the analyst sees when opening the file in Excel.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

#: Largest file one import takes. A West Yorkshire police.uk *year* is ~75 MB; anything far beyond this
#: is almost certainly the wrong file, and refusing early beats exhausting a council laptop's memory.
MAX_FILE_BYTES = 400 * 1024 * 1024
#: Rows searched for the heading row (exports often put a title and a blank row above it).
HEADER_SEARCH_ROWS = 20
_SNIFF_CHARS = 64 * 1024
_DELIMITERS = (",", ";", "\t", "|")


class FileProblem(ValueError):
    """Input that cannot be imported at all, stated as one sentence naming the file and what was expected.

    A ``ValueError`` so that the command line's top-level handler prints it as a plain message.
    """


#: Paths a message may carry that mean nothing to the user: our temporary folders, GDAL's virtual files.
_PRIVATE_PATH = re.compile(
    rf"'?(?:(?:/vsi[a-z0-9_]+/)+|{re.escape(tempfile.gettempdir())}[/\\])[^'\s;,():]*'?"
)
#: GDAL's advice to developers, appended to "not recognized" errors.
_GDAL_ADVICE = re.compile(r"[.;\s]*It might help to specify the correct driver.*?'CSV:path'\.?")


def file_message(text: str, name: str) -> str:
    """``text`` naming the user's file ``name`` wherever it named a temporary copy of it.

    Readers such as GDAL only read paths, so boundary files are read from a private temporary folder and
    workbooks from GDAL's in-memory files; their errors name those paths, which mean nothing to the user
    and say where the server keeps its files.
    """
    return _GDAL_ADVICE.sub("", _PRIVATE_PATH.sub(name, text))


@dataclass(frozen=True)
class Upload:
    """A file's name (for messages and the audit log only, never used as a path) and its bytes."""

    name: str
    data: bytes


# ---- columns ---------------------------------------------------------------------------------------------


@cache
def loose(text: str) -> str:
    """A column heading reduced for comparison: case, accents, spaces and punctuation ignored."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", text)


@dataclass(frozen=True)
class Field:
    """One thing an importer needs from a file, and the headings that may carry it (best first)."""

    key: str
    names: tuple[str, ...]
    #: regular expression on the loosened heading, for names carrying a year (``WD24CD``, ``Ward 2023 code``)
    pattern: str | None = None

    @property
    def label(self) -> str:
        return self.names[0]


#: A requirement is met when every field of any one alternative is present,
#: e.g. ``(("latitude", "longitude"), ("easting", "northing"))``.
Requirement = tuple[tuple[str, ...], ...]


def need(*keys: str) -> tuple[Requirement, ...]:
    """Requirements for fields that must all be present."""
    return tuple(((k,),) for k in keys)


@dataclass(frozen=True)
class ColumnMatch:
    """Which heading of a file carries each field, and the headings nothing used (reported to the user)."""

    columns: dict[str, str]
    unmapped: tuple[str, ...]

    def __contains__(self, key: str) -> bool:
        return key in self.columns


@dataclass(frozen=True)
class Schema:
    """The fields a source's files carry, what must be present, and how to describe the file in errors."""

    expected: str
    fields: tuple[Field, ...]
    required: tuple[Requirement, ...] = ()

    def match(self, headings: Sequence[str]) -> ColumnMatch:
        """Pair fields with headings: each field takes its best-ranked name; each heading is used once."""
        loosened = [loose(h) for h in headings]
        used: set[int] = set()
        columns: dict[str, str] = {}
        for f in self.fields:
            wanted = [loose(n) for n in f.names]
            candidates = [i for w in wanted for i, h in enumerate(loosened) if h == w and i not in used]
            if not candidates and f.pattern:
                rx = re.compile(f.pattern)
                candidates = [i for i, h in enumerate(loosened) if i not in used and rx.fullmatch(h)]
                candidates.sort(key=lambda i: loosened[i], reverse=True)  # newest year first
            if candidates:
                used.add(candidates[0])
                columns[f.key] = headings[candidates[0]]
        unused = (h for i, h in enumerate(headings) if i not in used)
        unmapped = tuple(h for h in unused if h.strip() and not _BLANK_HEADING.fullmatch(h))
        return ColumnMatch(columns, unmapped)

    def score(self, headings: Sequence[str]) -> int:
        """How many fields a row of headings carries: finds the heading row and tells sources apart."""
        return len(self.match(headings).columns)

    def missing(self, match: ColumnMatch) -> list[str]:
        """Descriptions of the requirements the matched columns do not meet."""
        labels = {f.key: f.label for f in self.fields}
        out = []
        for requirement in self.required:
            if not any(all(k in match for k in alt) for alt in requirement):
                out.append(" or ".join(" and ".join(labels[k] for k in alt) for alt in requirement))
        return out


#: Point location fields shared by every source that has them (STATS19's names included).
COORDINATE_FIELDS = (
    Field("latitude", ("Latitude", "lat", "y coordinate latitude", "wgs84 latitude")),
    Field("longitude", ("Longitude", "lon", "long", "lng", "wgs84 longitude")),
    Field(
        "easting",
        ("Easting", "location_easting_osgr", "eastings", "grid easting", "os easting", "x", "x coordinate"),
    ),
    Field(
        "northing",
        (
            "Northing",
            "location_northing_osgr",
            "northings",
            "grid northing",
            "os northing",
            "y",
            "y coordinate",
        ),
    ),
)
COORDINATES: Requirement = (("latitude", "longitude"), ("easting", "northing"))


# ---- tables ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A file read into text cells: one column per heading, ``""`` for an empty cell."""

    file_name: str
    frame: pd.DataFrame
    #: spreadsheet row number of each frame row
    rows: np.ndarray
    match: ColumnMatch
    #: rows that could not be split into the heading's columns: (row number, raw text)
    malformed: tuple[tuple[int, str], ...] = ()
    #: how the file was read (encoding, delimiter, sheet), for the report
    notes: tuple[str, ...] = ()
    #: the last row, when the file ends in it without a line break: (row number, raw text); see
    #: :func:`_parse_body`
    cut_off: tuple[int, str] | None = None
    #: columns already stripped by :meth:`col`: parsers ask for one field several times, and stripping a
    #: year of rows costs tens of milliseconds each time
    _stripped: dict[str, pd.Series] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.frame)

    def has(self, key: str) -> bool:
        return key in self.match

    def col(self, key: str, rows: np.ndarray | None = None) -> pd.Series:
        """A field's values with surrounding spaces removed (all ``""`` when the file lacks the field);
        only those of the ``rows`` mask when given, which strips just them: a force file's attributes
        are wanted for the fifth of its rows inside the study area."""
        if key not in self.match:
            values = pd.Series([""] * len(self.frame), index=self.frame.index, dtype=object)
            return values if rows is None else values[rows]
        if key in self._stripped:
            return self._stripped[key] if rows is None else self._stripped[key][rows]
        if rows is not None:
            return self.frame[self.match.columns[key]][rows].str.strip()
        self._stripped[key] = self.frame[self.match.columns[key]].str.strip()
        return self._stripped[key]


def table_from_frame(frame: pd.DataFrame, file_name: str, schema: Schema) -> Table:
    """A :class:`Table` over records that did not come from a table (API records, numbered from 1),
    checked like a file."""
    frame = frame.fillna("").astype(str).reset_index(drop=True)
    match = schema.match(list(frame.columns))
    _require(match, schema, file_name)
    return Table(file_name, frame, np.arange(1, len(frame) + 1, dtype=np.int64), match)


def read_table(upload: Upload, schema: Schema, *, spreadsheets: bool = True) -> Table:
    """Read a CSV (any common encoding or delimiter) or, when ``spreadsheets``, an XLSX workbook.

    Raises :class:`FileProblem` for anything that is not such a file or lacks the required columns.
    """
    data, name = upload.data, upload.name
    _check_size(data, name, schema.expected)
    kind = sniff_binary(data)
    if kind == "xlsx":
        if not spreadsheets:
            raise FileProblem(
                f"{name} is an Excel workbook, not a CSV file; expected {schema.expected} "
                "(open it in Excel and save it as 'CSV UTF-8')."
            )
        return _read_xlsx(data, name, schema)
    if kind is not None:
        raise FileProblem(f"{name} is {kind}, not a table of data; expected {schema.expected}.")
    encoding = sniff_encoding(data, name, schema.expected)
    if encoding in ("utf-8", "utf-8-sig"):
        # the common case: hand the bytes straight to the CSV parser, which checks they are UTF-8
        try:
            return _read_csv(memoryview(data)[3 if encoding == "utf-8-sig" else 0 :], name, schema, encoding)
        except UnicodeDecodeError:
            encoding = "cp1252"  # UTF-8 at the start only: Excel's Windows-1252 with a late accent
    text = _strict(data, encoding, name, schema.expected)
    return _read_csv(memoryview(text.encode("utf-8")), name, schema, encoding)


def peek_rows(upload: Upload) -> list[list[str]]:
    """Candidate heading rows from the top of a CSV or XLSX file, best effort and never raising.

    For telling sources apart before reading a file properly: a CSV's top is split with every common
    delimiter, so scoring these rows against a :class:`Schema` finds the heading however it is split.
    """
    kind = sniff_binary(upload.data)
    if kind == "xlsx":
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(upload.data), read_only=True, data_only=True)
            try:
                return [
                    [_cell_text(v) for v in row]
                    for sheet in book.worksheets
                    for row in sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True)
                ]
            finally:
                book.close()
        except Exception:  # a damaged workbook: the real read will say so
            return []
    if kind is not None:
        return []
    try:
        encoding = sniff_encoding(upload.data, upload.name, "")
    except FileProblem:
        return []
    text = upload.data[:_SNIFF_CHARS].decode(encoding, errors="replace")
    return [row for d in _DELIMITERS for row in _sample_records(text, d)]


def _check_size(data: bytes, name: str, expected: str) -> None:
    blank = b" \t\r\n\x00"
    if not data[:4096].strip(blank) and not data.strip(blank):  # the head first: no copy of a big file
        raise FileProblem(f"{name} is empty; expected {expected}.")
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(
            f"{name} is {len(data) / 2**20:,.0f} MB, more than the {MAX_FILE_BYTES / 2**20:,.0f} MB "
            f"one import takes; expected {expected} (split it into smaller files, e.g. by month)."
        )


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old-format Excel (.xls) or Office document (save it as .xlsx or CSV)",
    ),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"SQLite format 3\x00", "a database file (SQLite or GeoPackage)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


def sniff_binary(data: bytes) -> str | None:
    """``"xlsx"`` for an Excel workbook, a description for other known binary formats, else None."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = z.namelist()
        except zipfile.BadZipFile:
            return "a damaged ZIP archive"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        return "a ZIP archive (extract the file inside it first)"
    for magic, description in _MAGIC:
        if data.startswith(magic):
            return description
    return None


_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with byte-order mark",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252",
}


def sniff_encoding(data: bytes, name: str, expected: str) -> str:
    """The encoding of a text file, judged from its start; raises :class:`FileProblem` for binary data.

    UTF-8 (with or without byte-order mark), UTF-16 (Excel's "Unicode text") and Windows-1252 (what
    Excel writes for "CSV (Comma delimited)" on a UK PC). Windows-1252 is chosen only when the bytes
    are not UTF-8, which they almost never accidentally are; a file that is neither is refused later,
    when it is decoded, with the position of the unreadable byte.
    """
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
        (codecs.BOM_UTF8, "utf-8-sig"),
    ):
        if data.startswith(bom):
            return encoding
    head = data[:_SNIFF_CHARS]
    if b"\x00" in head:
        # UTF-16 without a byte-order mark: every other byte is zero for plain Latin text
        odd, even = head[1::2], head[0::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
        raise FileProblem(f"{name} is not a text file (it holds binary data); expected {expected}.")
    try:
        sample, encoding = codecs.getincrementaldecoder("utf-8")().decode(head, final=False), "utf-8"
    except UnicodeDecodeError:
        sample, encoding = head.decode("cp1252", errors="replace"), "cp1252"
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > max(2, len(sample) // 200):
        raise FileProblem(f"{name} is not a text file (it holds binary data); expected {expected}.")
    return encoding


def _strict(data: bytes, encoding: str, name: str, expected: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileProblem(
            f"{name} is not in a text encoding this app can read (tried UTF-8, UTF-16 and Windows-1252; "
            f"unreadable byte 0x{data[exc.start]:02x} at position {exc.start:,}); expected {expected} "
            "saved as 'CSV UTF-8'."
        ) from None


def _require(match: ColumnMatch, schema: Schema, name: str) -> None:
    if not match.columns:
        raise FileProblem(f"{name} has no columns this app recognises; expected {schema.expected}.")
    missing = schema.missing(match)
    if missing:
        raise FileProblem(
            f"{name} lacks the column{'s' if len(missing) > 1 else ''} {'; '.join(missing)}; "
            f"expected {schema.expected}."
        )


#: The name given to a column with an empty heading (not reported as an unused column).
_BLANK_HEADING = re.compile(r"column \d+")


def _unique_headings(cells: Sequence[str]) -> list[str]:
    """Headings made unique and non-empty, so every column can be addressed by name."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        base = cell.strip().lstrip("\ufeff") or f"column {i + 1}"
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base} ({seen[base]})")
    return out


def _best_heading(records: Sequence[Sequence[str]], schema: Schema) -> tuple[int, int]:
    """(index, score) of the row among the first few that looks most like the schema's heading row."""
    best, best_score = 0, 0
    for i, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        score = schema.score([str(c) for c in record])
        if score > best_score:
            best, best_score = i, score
    return best, best_score


# ---- CSV ------------------------------------------------------------------------------------------------


def _sample_records(text: str, delimiter: str) -> list[list[str]]:
    try:
        # newline="": a carriage return inside a quoted cell is part of the cell, as the csv module requires
        reader = csv.reader(io.StringIO(text[:_SNIFF_CHARS], newline=""), delimiter=delimiter)
        return [row for _, row in zip(range(HEADER_SEARCH_ROWS), reader, strict=False)]
    except csv.Error:
        return []


def _read_csv(body: memoryview, name: str, schema: Schema, encoding: str) -> Table:
    """Read UTF-8 CSV bytes; raises UnicodeDecodeError when they turn out not to be UTF-8."""
    head_bytes = bytes(body[:_SNIFF_CHARS])
    head = codecs.getincrementaldecoder("utf-8")().decode(head_bytes, final=False)
    if not head.strip() and len(body) <= _SNIFF_CHARS:
        raise FileProblem(f"{name} is empty; expected {schema.expected}.")
    if "\n" not in head and "\r" in head:  # old Mac line endings (Excel for Mac "CSV (Macintosh)")
        body, head = memoryview(bytes(body).replace(b"\r", b"\n")), head.replace("\r", "\n")
    forced = re.fullmatch(r'"?sep=(.)"?', head.split("\n", 1)[0].strip())
    if forced:  # Excel's "sep=;" hint line, which Excel obeys and does not show (nor number) as a row
        cut = head.find("\n") + 1 if "\n" in head else len(head)
        body, head = body[len(head[:cut].encode("utf-8")) :], head[cut:]
    delimiters = (forced.group(1),) if forced else _DELIMITERS
    delimiter, heading_index, score = max(
        ((d, *_best_heading(_sample_records(head, d), schema)) for d in delimiters),
        key=lambda t: t[2],
    )
    if score == 0:
        raise FileProblem(f"{name} has no columns this app recognises; expected {schema.expected}.")
    # where the data starts: after the physical lines the heading record (and anything above it) used
    reader = csv.reader(io.StringIO(head), delimiter=delimiter)
    try:
        for _ in range(heading_index + 1):
            headings = next(reader)
    except (csv.Error, StopIteration) as exc:
        raise FileProblem(f"{name} could not be read as CSV ({exc}); expected {schema.expected}.") from None
    offset = 0
    for _ in range(reader.line_num):
        newline = head.find("\n", offset)
        offset = len(head) if newline < 0 else newline + 1
    headings = _unique_headings(headings)
    match = schema.match(headings)
    _require(match, schema, name)
    first_row = heading_index + 2
    frame, rows, malformed, cut_off = _parse_body(
        body[len(head[:offset].encode("utf-8")) :], headings, delimiter, first_row, name, schema.expected
    )
    notes = [f"read as {_ENCODING_NAMES[encoding]} text, {_DELIMITER_NAMES[delimiter]}-separated"]
    if heading_index:
        notes.append(f"headings found on row {heading_index + 1}")
    return Table(name, frame, rows, match, malformed, tuple(notes), cut_off)


_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}


def _parse_body(
    body: memoryview, headings: list[str], delimiter: str, first_row: int, name: str, expected: str
) -> tuple[pd.DataFrame, np.ndarray, tuple[tuple[int, str], ...], tuple[int, str] | None]:
    """Split the rows below the heading into text cells, dropping blank rows; returns (cells, row numbers,
    malformed rows, the cut-off last row or None).

    The fast path is Arrow's C++ CSV reader (a West Yorkshire year in well under a second). When a row
    does not fit the heading's columns, Arrow cannot say which row it was, so the file is re-read with
    Python's csv module, which can: short rows are padded (Excel drops trailing empty cells), long rows
    are reported as malformed with their row numbers.

    Every program that writes CSV ends each row with a line break, the last one too. A file that ends
    inside a row was cut off - a download or copy that stopped early - and its last row cannot be trusted:
    a longitude -1.77 may be what is left of -1.773300, a date 03/06/20 of 03/06/2024, an empty cell
    the start of a value (and a missing id would store the row under another identity). So that row is
    taken out whole, to be set aside with its reason, rather than guessed at.
    """
    malformed: list[tuple[int, str]] = []
    last: tuple[int, list[str]] | None = None  # the file's last record: (row number, cells)
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(body)),
            read_options=pa_csv.ReadOptions(column_names=[f"c{i}" for i in range(len(headings))]),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"c{i}": pa.large_string() for i in range(len(headings))},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        frame = table.to_pandas()
        frame.columns = headings
        rows = np.arange(first_row, first_row + len(frame), dtype=np.int64)
        if len(frame):
            last = (int(rows[-1]), frame.iloc[-1].tolist())
    except (pa.ArrowInvalid, pa.ArrowException):
        cells: list[list[str]] = []
        numbers: list[int] = []
        width = len(headings)
        try:
            text = bytes(body).decode("utf-8")  # UnicodeDecodeError: not UTF-8 after all, caller retries
            for i, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)):
                last = (first_row + i, list(record))
                while len(record) > width and not record[-1].strip():
                    record.pop()  # trailing empty cells beyond the headings
                if len(record) > width:
                    malformed.append((first_row + i, delimiter.join(record)[:500]))
                    continue
                cells.append(record + [""] * (width - len(record)))
                numbers.append(first_row + i)
        except csv.Error as exc:
            raise FileProblem(f"{name} could not be read as CSV ({exc}); expected {expected}.") from None
        frame = pd.DataFrame(cells, columns=headings, dtype=object)
        rows = np.asarray(numbers, dtype=np.int64)
    drop = _all_blank(frame)
    cut_off = None
    ends_inside_a_row = len(body) > 0 and body[-1] not in b"\r\n"
    if ends_inside_a_row and last is not None and len(rows) and rows[-1] == last[0] and not drop[-1]:
        cut_off = (last[0], delimiter.join(last[1])[:500])
        drop[-1] = True
    if drop.any():
        frame, rows = frame.loc[~drop].reset_index(drop=True), rows[~drop]
    if frame.empty and not malformed and cut_off is None:
        raise FileProblem(f"{name} has column headings but no rows of data; expected {expected}.")
    return frame, rows, tuple(malformed), cut_off


def _all_blank(frame: pd.DataFrame) -> np.ndarray:
    """Rows with nothing in any cell; narrows column by column, so a normal file costs one column."""
    candidates = np.arange(len(frame))
    for col in frame.columns:
        if not len(candidates):
            break
        cells = frame[col].iloc[candidates].str.strip()
        candidates = candidates[(cells == "").to_numpy(dtype=bool)]
    blank = np.zeros(len(frame), dtype=bool)
    blank[candidates] = True
    return blank


# ---- XLSX -----------------------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    """A workbook cell as the text a CSV export would have held."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _read_xlsx(data: bytes, name: str, schema: Schema) -> Table:
    import openpyxl  # imported here: only spreadsheet imports pay for it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise FileProblem(
            f"{name} is a damaged Excel workbook ({type(exc).__name__}); expected {schema.expected}."
        ) from None
    try:
        best: tuple[int, str, int] | None = None  # (score, sheet, heading row index)
        for sheet in book.worksheets:
            top = [
                [_cell_text(v) for v in row]
                for row in sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True)
            ]
            index, score = _best_heading(top, schema)
            if score and (best is None or score > best[0]):
                best = (score, sheet.title, index)
        if best is None:
            raise FileProblem(
                f"{name} has no sheet with columns this app recognises; expected {schema.expected}."
            )
        _, title, index = best
        sheet = book[title]
        records = sheet.iter_rows(min_row=index + 1, values_only=True)
        headings = _unique_headings([_cell_text(v) for v in next(records)])
        match = schema.match(headings)
        _require(match, schema, name)
        width = len(headings)
        cells: list[list[str]] = []
        rows: list[int] = []
        for offset, record in enumerate(records):
            values = [_cell_text(v) for v in record[:width]]
            if any(v.strip() for v in values):
                cells.append(values + [""] * (width - len(values)))
                rows.append(index + 2 + offset)
    finally:
        book.close()
    if not cells:
        raise FileProblem(f"{name} has column headings but no rows of data; expected {schema.expected}.")
    frame = pd.DataFrame(cells, columns=headings, dtype=object)
    notes = [f"read from Excel sheet '{title}'"]
    if index:
        notes.append(f"headings found on row {index + 1}")
    return Table(name, frame, np.asarray(rows, dtype=np.int64), match, (), tuple(notes))
