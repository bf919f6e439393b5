"""The shared CSV/XLSX reader: encodings, delimiters, title rows, bad files, row numbers, value parsing."""

from __future__ import annotations

import codecs
import io
import zipfile
from datetime import date, datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest

from layers import identity, readers
from layers import values as layer_values
from layers.readers import (
    COORDINATE_FIELDS,
    COORDINATES,
    Field,
    FileProblem,
    Schema,
    Upload,
    need,
    read_table,
)

SCHEMA = Schema(
    expected="a test table with Date and Easting/Northing or Latitude/Longitude",
    fields=(Field("id", ("Reference", "ID")), Field("date", ("Date", "Date reported")), *COORDINATE_FIELDS),
    required=(*need("date"), COORDINATES),
)
CSV = "Reference,Date,Latitude,Longitude\nA1,03/06/2024,53.6458,-1.7850\nA2,04/06/2024,53.6931,-1.6200\n"


def read(data: bytes, name: str = "t.csv", *, spreadsheets: bool = True) -> readers.Table:
    return read_table(Upload(name, data), SCHEMA, spreadsheets=spreadsheets)


@pytest.mark.parametrize(
    ("data", "encoding_note"),
    [
        (CSV.encode("utf-8"), "UTF-8 text"),
        (codecs.BOM_UTF8 + CSV.encode("utf-8"), "UTF-8 with byte-order mark"),
        (CSV.replace("\n", "\r\n").encode("utf-16"), "UTF-16"),
        (CSV.encode("utf-16-le"), "UTF-16"),
        (CSV.replace("A2", "Café").encode("cp1252"), "Windows-1252"),
        (CSV.replace("\n", "\r").encode(), "UTF-8 text"),
    ],
)
def test_every_common_encoding_and_line_ending_reads_the_same_cells(data: bytes, encoding_note: str) -> None:
    table = read(data)
    assert table.col("date").tolist() == ["03/06/2024", "04/06/2024"]
    assert table.rows.tolist() == [2, 3]
    assert encoding_note in table.notes[0]


def test_windows_1252_accent_late_in_a_long_file_is_still_read() -> None:
    """The head looks like UTF-8; the accent far below must switch the whole file to Windows-1252."""
    rows = "".join(f"B{i},03/06/2024,53.6458,-1.7850\n" for i in range(5000))
    data = (CSV + rows + "Café,05/06/2024,53.6458,-1.7850\n").encode("cp1252")
    table = read(data)
    assert table.col("id").iloc[-1] == "Café"
    assert "Windows-1252" in table.notes[0]


def test_semicolons_excel_sep_line_title_rows_and_synonyms() -> None:
    data = (
        b"sep=;\nFly-tipping report, June 2024;;\n;;\n"
        b"ID;Date reported;Grid Easting;Grid Northing\nX1;03/06/2024;415073;420105\n"
    )
    table = read(data)
    assert table.match.columns == {"id": "ID", "date": "Date reported", "easting": "Grid Easting",
                                   "northing": "Grid Northing"}  # fmt: skip
    # Excel hides the sep line, so its rows are: title, blank, heading, data
    assert table.rows.tolist() == [4]
    assert "headings found on row 3" in table.notes


def test_quoted_newlines_blank_rows_short_and_long_rows_keep_true_row_numbers() -> None:
    data = (
        b"Reference,Date,Latitude,Longitude,Notes\n"
        b'A1,03/06/2024,53.6458,-1.7850,"two\nlines"\n'
        b"\n"
        b"A2,04/06/2024,53.6931,-1.6200\n"  # short: padded
        b"A3,05/06/2024,53.6931,-1.6200,x,unexpected,cells\n"  # long: malformed
        b"A4,06/06/2024,53.6931,-1.6200,,,\n"  # trailing empty cells beyond the headings: fine
    )
    table = read(data)
    assert table.col("id").tolist() == ["A1", "A2", "A4"]
    assert table.rows.tolist() == [2, 4, 6]
    assert table.frame["Notes"].iloc[0] == "two\nlines"
    assert [r for r, _ in table.malformed] == [5]


def test_unmapped_columns_are_listed_and_duplicate_headings_made_unique() -> None:
    table = read(b"Date,Latitude,Longitude,Colour,Colour,\n03/06/2024,53.6,-1.7,red,blue,\n")
    assert table.match.unmapped == ("Colour", "Colour (2)")
    assert list(table.frame.columns)[-1] == "column 6"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "is empty"),
        (b"  \r\n\r\n ", "is empty"),
        (codecs.BOM_UTF8, "is empty"),
        ("".encode("utf-16"), "is empty"),
        (b"Date,Latitude,Longitude\n", "no rows of data"),
        (b"Date,Latitude,Longitude\n,,\n\n", "no rows of data"),
        (b"colour,shape\nred,round\n", "no columns this app recognises"),
        (b"Date,Colour\n03/06/2024,red\n", "lacks the column Latitude and Longitude or Easting and Northing"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "old-format Excel"),
        (b"%PDF-1.7\n" + bytes(range(256)), "a PDF document"),
        (bytes(range(256)) * 40, "not a text file"),
        (b"Date,Latitude\n\x81\x8d\x8f\x90\x9d,1\n", "not in a text encoding this app can read"),
    ],
)
def test_impossible_files_get_one_sentence_naming_the_file(data: bytes, says: str) -> None:
    with pytest.raises(FileProblem) as caught:
        read(data, "june.csv")
    message = str(caught.value)
    assert message.startswith("june.csv ")
    assert says in message
    assert "expected a test table" in message
    assert "\n" not in message


def _workbook(rows: list[list[object]], title_rows: int = 0, sheet: str = "Export") -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["This sheet is not the data"])
    ws = book.create_sheet(sheet)
    for _ in range(title_rows):
        ws.append(["Fly-tipping incidents - exported from the case system"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_finds_the_data_sheet_and_heading_and_converts_cells() -> None:
    data = _workbook(
        [
            ["Reference", "Date", "Easting", "Northing"],
            [1001, datetime(2024, 6, 3), 415073, 420105.0],
            [None, None, None, None],
            ["1002", datetime(2024, 6, 4, 13, 5), 413600.5, 417531],
        ],
        title_rows=2,
    )
    table = read(data, "export.xlsx")
    assert table.col("id").tolist() == ["1001", "1002"]
    assert table.col("date").tolist() == ["2024-06-03", "2024-06-04 13:05:00"]
    assert table.col("easting").tolist() == ["415073", "413600.5"]
    assert table.rows.tolist() == [4, 6]  # Excel's own row numbers
    assert "read from Excel sheet 'Export'" in table.notes


def test_excel_workbook_saved_with_a_csv_name_is_refused_when_only_csv_will_do() -> None:
    data = _workbook([["Reference", "Date", "Easting", "Northing"], [1, "03/06/2024", 415073, 420105]])
    with pytest.raises(FileProblem, match=r"^police\.csv is an Excel workbook, not a CSV file"):
        read(data, "police.csv", spreadsheets=False)
    assert len(read(data, "police.csv")) == 1  # where spreadsheets are welcome it is simply read


def test_zip_and_damaged_workbook_are_refused_clearly() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("2024-06/2024-06-west-yorkshire-street.csv", CSV)
    with pytest.raises(FileProblem, match="is a ZIP archive"):
        read(archive.getvalue())
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("xl/workbook.xml", "<not a workbook")
    with pytest.raises(FileProblem, match="is a damaged Excel workbook"):
        read(broken.getvalue(), "x.xlsx")


def test_huge_files_are_refused_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1000)
    with pytest.raises(FileProblem, match=r"^big\.csv is 0 MB, more than the 0 MB one import takes"):
        read(CSV.encode() * 100, "big.csv")


def test_parse_dates_reads_uk_iso_month_and_excel_serial_dates_and_rejects_the_impossible() -> None:
    values = pd.Series(
        [
            "03/06/2024",
            "2024-06-03",
            "2024-06",
            "3 Jun 2024",
            "03/06/2024 14:35",
            "45446",
            "31/06/2024",
            "",
            "1985-01-01",
            "2099-01-01",
            "soon",
            "2024-06-03T14:35:00Z",
        ]  # fmt: skip
    )
    dates, month_only = layer_values.parse_dates(values, today=date(2025, 1, 1))
    got = [None if np.isnat(d) else str(d)[:10] for d in dates]
    assert got == ["2024-06-03", "2024-06-03", "2024-06-01", "2024-06-03", "2024-06-03", "2024-06-03",
                   None, None, None, None, None, "2024-06-03"]  # fmt: skip
    assert month_only.tolist() == [False, False, True] + [False] * 9


def test_numbers_and_points_from_lat_lon_or_os_grid() -> None:
    assert np.allclose(
        layer_values.numbers(pd.Series(["1", " 2.5 ", "-3e2", "x", "", "1,000"]), thousands=False),
        [1, 2.5, -300, np.nan, np.nan, np.nan],
        equal_nan=True,
    )
    assert layer_values.numbers(pd.Series(["1,000"]), thousands=True).tolist() == [1000.0]
    data = (
        b"Date,Latitude,Longitude,Easting,Northing\n"
        b"d,53.6458,-1.7850,,\n"  # lat/lon
        b"d,,,415073,420105\n"  # OS grid only: Ashbrow's representative point, to the metre
        b"d,NULL,NULL,,\n"  # nothing
        b"d,0,0,0,0\n"  # zeros mean not recorded
        b"d,north,west,,\n"  # something, but not a location
        b"d,0.5,51.0,,\n"  # swapped or garbage: outside Great Britain
    )
    points = layer_values.read_points(read(data))
    assert points.lat[0] == pytest.approx(53.6458) and points.lon[0] == pytest.approx(-1.7850)
    assert points.lat[1] == pytest.approx(53.6772, abs=2e-5) and points.lon[1] == pytest.approx(
        -1.7733, abs=2e-5
    )
    assert points.missing.tolist() == [False, False, True, True, False, False]
    assert points.bad.tolist() == [False, False, False, False, True, True]
    assert points.from_grid == 1


def test_record_ids_use_the_id_column_else_a_stable_identity() -> None:
    table = read(b"Reference,Date,Latitude,Longitude\nA1,d,53.6,-1.7\n,d,53.6,-1.7\n,e,53.61,-1.7\n")
    lat = layer_values.numbers(table.col("latitude"))
    ids = identity.record_ids(table, "id", np.array([True, True, False]), (table.col("date"), lat))
    assert ids.ids.tolist() == ["A1", "d|53.600000"]
    assert ids.repeats.tolist() == [False, False]


def test_identical_rows_without_an_id_are_numbered_reports_and_a_repeated_id_is_not() -> None:
    table = read(
        b"Reference,Date,Latitude,Longitude\n,d,53.6,-1.7\nB2,d,53.6,-1.7\n,d,53.6,-1.7\n,d,53.6,-1.7\nB2,x,1,1\n"
    )
    lat = layer_values.numbers(table.col("latitude"))
    ids = identity.record_ids(table, "id", np.ones(5, dtype=bool), (table.col("date"), lat))
    assert ids.ids.tolist() == ["d|53.600000", "B2", "d|53.600000#2", "d|53.600000#3", "B2"]
    assert ids.repeats.tolist() == [False, False, True, True, False]
    assert identity.repeated_ids(table.col("id")).tolist() == [False, False, False, False, True]
