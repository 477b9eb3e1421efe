"""Spreadsheet exports shared by the reports."""
import csv
import io
from collections.abc import Iterable


def excel_csv(rows: Iterable[Iterable]) -> bytes:
    """Rows as CSV in UTF-8 with a BOM, so Excel opens the Korean correctly."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment_response(data: bytes, filename: str, content_type: str = CSV):
    """A download of `data` under an ASCII `filename`."""
    from django.http import HttpResponse

    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
