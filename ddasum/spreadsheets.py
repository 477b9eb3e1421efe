"""Spreadsheets in and out: uploaded CSV read as text, CSV and XLSX written for Excel.

Every CSV upload of the site is decoded by `csv_decode` and every export is written by
`excel_csv` or `excel_xlsx`, so the rules live here once:

- An upload is read as UTF-8 (with or without the byte-order mark), then as CP949, the
  encoding Korean Excel uses for "CSV (쉼표로 분리)". A binary file (an image, a PDF, an
  XLSX) is refused before decoding.
- A text cell that starts with = + - @, a tab or a carriage return would run as a formula
  when a spreadsheet opens the file (CSV injection): a CSV writes it with a leading
  apostrophe, an XLSX writes it as a string cell, never a formula. Numbers stay numbers.
- A CSV is UTF-8 with a BOM, so Excel shows the Korean as Korean.
"""
import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.http import HttpResponse
from django.utils.translation import gettext as _

from .uploads import sniff_kind

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Characters that make a spreadsheet read a text cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel saves Korean CSV as CP949; everything else we accept is UTF-8.
CSV_ENCODINGS = ("utf-8-sig", "cp949")


# --- reading ----------------------------------------------------------------------------------


class CsvUnreadable(ValueError):
    """The uploaded bytes are not CSV text we can read; `message` says why, in Korean."""

    code = "unreadable"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CsvNotText(CsvUnreadable):
    """A binary file (an image, a PDF, an XLSX or another zip) sent as a CSV."""

    code = "type"


class CsvEncodingUnknown(CsvUnreadable):
    """Text in neither UTF-8 nor CP949 (UTF-16 from "Unicode text", for one)."""

    code = "encoding"


def csv_is_binary(data: bytes) -> bool:
    """True when the bytes are a file of another kind, not text."""
    return bool(sniff_kind(data[:16])) or data.startswith((b"PK\x03\x04", b"%PDF")) or b"\x00" in data


def csv_decode(data: bytes) -> str:
    """The uploaded CSV as text: UTF-8 (BOM or not), else CP949; raise a CsvUnreadable otherwise."""
    if csv_is_binary(data):
        raise CsvNotText(_("CSV 파일이 아닙니다. 파일 내용을 확인해 주세요."))
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvEncodingUnknown(_("CSV 파일의 글자를 읽을 수 없습니다. UTF-8 또는 엑셀 기본 형식(CP949)으로 저장해 주세요."))


# --- the safe cell ----------------------------------------------------------------------------


def cell_is_formula_like(value) -> bool:
    """True for text a spreadsheet would take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def cell_safe(value):
    """The value as a CSV cell: formula-like text gets a leading apostrophe; anything else as it is."""
    return "'" + value if cell_is_formula_like(value) else value


def cell_unescape(value: str) -> str:
    """Undo `cell_safe` on a cell read back from one of our exports."""
    if value[:1] == "'" and cell_is_formula_like(value[1:]):
        return value[1:]
    return value


# --- CSV --------------------------------------------------------------------------------------


def excel_csv(rows: Iterable[Iterable]) -> bytes:
    """Rows as CSV in UTF-8 with a BOM, so Excel opens the Korean correctly; text cells made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([cell_safe(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- XLSX -------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """One sheet of an export: rows of cells; `headings` are the indexes of rows printed in bold.

    `text_columns` (1-based) are formatted as text, so Excel keeps "00123" as typed when the
    sheet is edited; `freeze_panes` names the first cell that scrolls ("A2" keeps row 1 in view).
    """

    title: str
    rows: list[list] = field(default_factory=list)
    headings: set[int] = field(default_factory=set)
    widths: list[float] = field(default_factory=list)
    text_columns: frozenset[int] = frozenset()
    freeze_panes: str | None = None

    def add(self, *cells) -> None:
        self.rows.append(list(cells))

    def heading(self, *cells) -> None:
        self.headings.add(len(self.rows))
        self.rows.append(list(cells))

    def blank(self) -> None:
        self.rows.append([])


def excel_xlsx(sheets: Iterable[Sheet], *, group_digits_from: int | None = None) -> bytes:
    """The sheets as an XLSX workbook; text is never a formula.

    Whole numbers of at least `group_digits_from` show with thousands separators; dates as
    yyyy-mm-dd.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for spec in sheets:
        ws = workbook.create_sheet(title=spec.title[:31])
        for r, cells in enumerate(spec.rows, start=1):
            for c, value in enumerate(cells, start=1):
                cell = ws.cell(row=r, column=c, value=None if value == "" else value)
                if isinstance(value, str):
                    cell.data_type = "s"  # openpyxl would store "=..." as a formula
                    if cell_is_formula_like(value):
                        cell.quotePrefix = True  # Excel's own mark: the cell stays text when edited
                if c in spec.text_columns:
                    cell.number_format = "@"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                elif (group_digits_from is not None and isinstance(value, int) and not isinstance(value, bool)
                      and value >= group_digits_from):
                    cell.number_format = "#,##0"
            if r - 1 in spec.headings:
                for cell in ws[r]:
                    cell.font = bold
        for n, width in enumerate(spec.widths, start=1):
            ws.column_dimensions[get_column_letter(n)].width = width
        if spec.freeze_panes:
            ws.freeze_panes = spec.freeze_panes
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- the download -----------------------------------------------------------------------------


def attachment_response(data: bytes, filename: str, content_type: str = CSV) -> HttpResponse:
    """A download of `data` under an ASCII `filename`."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
