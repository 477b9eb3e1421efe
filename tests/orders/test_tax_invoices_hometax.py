"""The 홈택스 전자세금계산서 일괄발급 workbook (orders.services.tax_invoices): the form's header block, the 59
columns of row 6, one invoice per row from row 7, and the partner and operator downloads."""
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from orders.models import InvoiceKind, TaxInvoiceRequest
from orders.services.tax_invoices import (
    HOMETAX_COLUMNS,
    HOMETAX_FIRST_ROW,
    invoice_requests_hometax_xlsx,
    invoice_requests_pending,
)
from tests.factories import MembershipFactory

from .helpers import vo_of

pytestmark = pytest.mark.django_db


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).worksheets[0]


def _row(ws, n: int) -> list:
    return [c.value for c in ws[n]]


def test_header_block_and_columns_follow_the_hometax_form():
    assert len(HOMETAX_COLUMNS) == 59
    ws = _sheet(invoice_requests_hometax_xlsx([]))
    header = _row(ws, HOMETAX_FIRST_ROW - 1)
    assert header == list(HOMETAX_COLUMNS)
    # The columns the upload reads, by position (A, B, C, E, F, K, M, N, T, U, W–AD, BG).
    assert header[0].startswith("전자(세금)계산서 종류")
    assert header[1] == "작성일자"
    assert header[2].startswith("공급자 등록번호") and header[10].startswith("공급받는자 등록번호")
    assert header[4:6] == ["공급자 상호", "공급자 성명"]
    assert header[12:14] == ["공급받는자 상호", "공급받는자 성명"]
    assert header[17] == "공급받는자 이메일1"
    assert header[19].startswith("공급가액") and header[20].startswith("세액")
    assert header[22:30] == ["일자1", "품목1", "규격1", "수량1", "단가1", "공급가액1", "세액1", "품목비고1"]
    assert header[54:58] == ["현금", "수표", "어음", "외상미수금"] and header[58].startswith("영수(01)")
    assert ws.max_row == HOMETAX_FIRST_ROW - 1  # no invoices, no rows


def test_one_row_per_tax_invoice_with_the_request_amounts(order, shop):
    ws = _sheet(invoice_requests_hometax_xlsx(invoice_requests_pending().prefetch_related("vendor_order__lines")))
    rows = [_row(ws, n) for n in range(HOMETAX_FIRST_ROW, ws.max_row + 1)]
    # Two 세금계산서 (A's rice; B's shipping); B's exempt apples are a 계산서, another form.
    assert len(rows) == 2
    by_supplier = {r[4]: r for r in rows}
    vo_a = vo_of(order, shop["a"])
    written = timezone.localtime(order.paid_at)
    a = by_supplier["햇살농장협동조합"]
    assert a[:3] == ["01", f"{written:%Y%m%d}", shop["a"].business_number.replace("-", "")]
    assert a[5] == "김햇살" and a[7:9] == ["농업", "쌀"]
    assert a[10] == "1234567891" and a[12] == "따숨상사" and a[13] == "김구매"
    assert a[17] == "buyer@example.kr"
    assert a[19:21] == [22727, 2273]
    assert a[22:30] == [f"{written:%d}", "홍성 유기농 현미 5kg", None, None, None, 22727, 2273, vo_a.number]
    assert a[30:54] == [None] * 24  # items 2–4 unused
    assert a[58] == "01"  # 영수: paid at checkout
    b = by_supplier["예산사과마을기업"]
    assert b[19:21] == [2727, 273] and b[23] == "배송비"
    # Registration numbers stay text, so Excel keeps their leading zeros.
    assert ws.cell(row=HOMETAX_FIRST_ROW, column=3).data_type == "s"


def test_issued_requests_are_left_out(order, shop):
    TaxInvoiceRequest.objects.filter(vendor_order__vendor=shop["a"]).update(issued=True, approval_number="x-1234567")
    ws = _sheet(invoice_requests_hometax_xlsx(invoice_requests_pending()))
    assert [ws.cell(row=n, column=5).value for n in range(HOMETAX_FIRST_ROW, ws.max_row + 1)] == ["예산사과마을기업"]


def test_partner_downloads_only_its_own(client, order, shop):
    client.force_login(MembershipFactory(vendor=shop["a"]).user)
    page = client.get(reverse("partner:orders_taxinvoicerequest_changelist"))
    url = reverse("partner:orders_taxinvoicerequest_hometax")
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = _sheet(response.content)
    assert [ws.cell(row=n, column=5).value for n in range(HOMETAX_FIRST_ROW, ws.max_row + 1)] == ["햇살농장협동조합"]
    # Another vendor's id in ?vendor= finds nothing of it.
    other = client.get(url, {"vendor": shop["b"].pk})
    assert _sheet(other.content).max_row == HOMETAX_FIRST_ROW - 1
    assert not TaxInvoiceRequest.objects.filter(issued=True).exists()  # a download marks nothing


def test_operator_downloads_one_vendor(operator_client, order, shop):
    url = reverse("admin:orders_taxinvoicerequest_hometax")
    # The list filtered to one vendor links to that vendor's workbook (one supplier per file).
    page = operator_client.get(reverse("admin:orders_taxinvoicerequest_changelist"),
                               {"vendor_order__vendor__id__exact": shop["b"].pk})
    assert f"{url}?vendor={shop['b'].pk}" in page.content.decode()
    ws = _sheet(operator_client.get(url, {"vendor": shop["b"].pk}).content)
    assert [ws.cell(row=n, column=5).value for n in range(HOMETAX_FIRST_ROW, ws.max_row + 1)] == ["예산사과마을기업"]
    assert operator_client.get(url, {"vendor": "x"}).status_code == 404
    assert TaxInvoiceRequest.objects.filter(kind=InvoiceKind.INVOICE).count() == 1
