"""Cell values -> typed arrays: numbers (with thousands separators where a column allows them), dates in
every form partners' exports use (ISO, UK day-first, month-only, Excel serials) and map points (degrees,
or OS grid metres converted).

Why apart from :mod:`layers.readers`: reading a file into a :class:`~layers.readers.Table` of text and
making sense of the text are two concerns; every importer does both, through these same functions, so
a date or a coordinate means the same in every source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo import crs
from layers.readers import Table

# ---- values ---------------------------------------------------------------------------------------------

_NUMBER = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
#: A number written with thousands separators in the one correct way: 1,234 or 12,345,678.5.
_GROUPED = r"^\s*[-+]?\d{1,3}(,\d{3})+(\.\d*)?\s*$"


def numbers(values: pd.Series | Iterable[str], *, thousands: bool = False) -> np.ndarray:
    """Text to floats, NaN where empty or not a number (vectorised in Arrow: a year of rows in ms).

    With ``thousands``, commas are read as thousands separators only where they group digits in threes
    (12,345): "1,2,3" is not a number, never 123.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    arr = pa.array(series if series.dtype == "str" else series.astype(str), from_pandas=True)
    if not thousands and (plain := _plain_numbers(arr)) is not None:
        return plain
    if thousands:
        grouped = pc.fill_null(pc.match_substring_regex(arr, _GROUPED), False)
        arr = pc.if_else(grouped, pc.replace_substring(arr, ",", ""), arr)
    ok = pc.match_substring_regex(arr, _NUMBER)
    cleaned = pc.utf8_trim_whitespace(pc.if_else(ok, arr, pa.scalar(None, arr.type)))
    return pc.cast(cleaned, pa.float64()).to_numpy(zero_copy_only=False).astype(float)


def _plain_numbers(arr: pa.Array) -> np.ndarray | None:
    """:func:`numbers` for a column of plain decimal numbers and blanks (coordinates: the usual case), in
    one cast, a sixth of the time of the pattern checks; None when any cell is anything else (spaces,
    "nan", "inf", text), which the pattern checks then judge."""
    blank = pc.equal(arr, "")
    try:
        out = pc.cast(pc.if_else(blank, pa.scalar(None, arr.type), arr), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    result = out.to_numpy(zero_copy_only=False).astype(float)
    filled = ~pc.fill_null(blank, True).to_numpy(zero_copy_only=False)
    return None if (filled & ~np.isfinite(result)).any() else result


def per_distinct(values: pd.Series, classify: Callable[[str], object]) -> np.ndarray:
    """``classify`` of every value, as an object array, calling it once per distinct value.

    Why: a year of rows holds a few dozen crime types, sizes or motives, and classifying text is the
    slow part; classifying each distinct text once and spreading the answers keeps it to milliseconds.
    """
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    answers = np.empty(len(distinct), dtype=object)
    for i, value in enumerate(distinct):  # one by one, so a tuple answer stays one object
        answers[i] = classify(value)
    return answers[codes]


#: Date layouts tried in order after ISO 8601. Day before month: these are UK files.
_DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d/%m/%y %H:%M",
    "%d/%m/%y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %B %Y",
    "%d %b %Y %H:%M",
    "%d-%b-%Y %H:%M",
    "%Y/%m/%d",
    "%Y%m%d",
)
_MONTH_ONLY = r"\d{4}-\d{1,2}"
#: A bare number where a date belongs: an Excel serial day number that lost its date format on export.
_EXCEL_SERIAL = r"\d{5}(\.\d+)?"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: Earliest date accepted: no partnership data source goes back further.
EARLIEST_DATE = date(1990, 1, 1)


def _to_datetime(texts: pd.Series, fmt: str) -> pd.Series:
    """One layout tried on some texts: NaT where it does not fit. Read as UTC so that texts with and
    without a time zone mix; a naive time stays as written, a zoned one becomes UTC."""
    try:
        out = pd.to_datetime(texts, format=fmt, errors="coerce", utc=True).dt.tz_localize(None)
    except (ValueError, TypeError, OverflowError):
        return pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns]")
    # outside this range a "date" is a typing error, and may not even fit a nanosecond timestamp
    plausible = (out >= pd.Timestamp(EARLIEST_DATE)) & (out < pd.Timestamp("2200-01-01"))
    return out.where(plausible).astype("datetime64[ns]")


def parse_dates(values: pd.Series, *, today: date | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(dates as datetime64[ns] with NaT where unreadable or implausible, True where only a month was given).

    Each distinct text is parsed once, so a year of police.uk rows (12 distinct months) costs nothing.
    Dates before 1990 or after today are treated as unreadable: they are typing errors, not incidents.
    """
    # distinct texts first: text work on a year of rows as Python strings alone cost ~0.1 s
    position, distinct = pd.factorize(pd.Series(values), use_na_sentinel=False)
    uniques = pd.Series(distinct, dtype=object).astype(str).str.strip()
    parsed = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[ns]")
    month_only = uniques.str.fullmatch(_MONTH_ONLY).to_numpy(dtype=bool)
    parsed[month_only] = _to_datetime(uniques[month_only] + "-01", "%Y-%m-%d")
    serial = uniques.str.fullmatch(_EXCEL_SERIAL).to_numpy(dtype=bool)
    if serial.any():
        days = numbers(uniques[serial])
        parsed[serial] = _EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
    text = (uniques != "").to_numpy(dtype=bool) & ~month_only & ~serial
    for fmt in ("ISO8601", *_DATE_FORMATS):
        todo = text & parsed.isna().to_numpy()
        if not todo.any():
            break
        parsed[todo] = _to_datetime(uniques[todo], fmt)
    latest = pd.Timestamp(today or date.today()) + pd.Timedelta(days=1)
    parsed = parsed.where((parsed >= pd.Timestamp(EARLIEST_DATE)) & (parsed < latest))
    return parsed.to_numpy(dtype="datetime64[ns]")[position], month_only[position]


#: Plausible ranges: Great Britain and Northern Ireland, in degrees and in OS grid metres.
_LAT_RANGE, _LON_RANGE = (49.0, 61.5), (-9.0, 2.5)
_EASTING_RANGE, _NORTHING_RANGE = (0.0, 700_000.0), (0.0, 1_300_000.0)


@dataclass(frozen=True)
class Points:
    """Point locations read from a table, with the rows that had none or had unusable values."""

    lat: np.ndarray
    lon: np.ndarray
    missing: np.ndarray  # no location given at all
    bad: np.ndarray  # something given, but not a usable location
    from_grid: int = 0  # rows located from easting/northing


def _between(values: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    return (values >= bounds[0]) & (values <= bounds[1])


def read_points(table: Table) -> Points:
    """Latitude/longitude where given and usable, else OS grid easting/northing converted with pyproj.

    A zero in a coordinate column means "not recorded" in many exports, so (0, 0) counts as missing.
    """
    n = len(table)
    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    given = np.zeros(n, dtype=bool)
    if table.has("latitude") and table.has("longitude"):
        lat_text, lon_text = table.col("latitude"), table.col("longitude")
        given |= _present(lat_text) | _present(lon_text)
        la, lo = numbers(lat_text), numbers(lon_text)
        ok = _between(la, _LAT_RANGE) & _between(lo, _LON_RANGE)
        lat[ok], lon[ok] = la[ok], lo[ok]
    from_grid = 0
    if table.has("easting") and table.has("northing"):
        e_text, n_text = table.col("easting"), table.col("northing")
        given |= _present(e_text) | _present(n_text)
        e, no = numbers(e_text), numbers(n_text)
        use = (
            np.isnan(lat) & _between(e, _EASTING_RANGE) & _between(no, _NORTHING_RANGE) & ((e > 0) | (no > 0))
        )
        if use.any():
            x, y = crs.bng_to_wgs84(e[use], no[use])
            lon[use], lat[use] = x, y
            from_grid = int(use.sum())
    located = np.isfinite(lat) & np.isfinite(lon)
    return Points(lat, lon, missing=~located & ~given, bad=~located & given, from_grid=from_grid)


def _present(values: pd.Series) -> np.ndarray:
    """Cells holding something other than blanks or the usual placeholders for "no value"."""
    v = values.str.upper()
    return (~v.isin(["", "NULL", "NA", "N/A", "NAN", "NONE", "0", "0.0"])).to_numpy(dtype=bool)
