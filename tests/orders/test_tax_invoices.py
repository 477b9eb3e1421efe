"""Tax invoices (orders.services.tax_invoices): the requests checkout files, the CSV for bulk issuing, approval
numbers by hand or from a file (all or nothing), a pluggable issuer, and the partner and operator admins."""
import csv
import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from orders.exceptions import InvalidTransition, NotAllowed, OrderError
from orders.models import InvoiceKind, TaxInvoiceRequest
from orders.services import tax_invoices
from orders.services.tax_invoices import (
    CSV_COLUMNS,
    ApprovalImportRefused,
    InvoiceIssuer,
    IssueOutcome,
    invoice_requests_csv,
    invoice_requests_pending,
    tax_invoice_approvals_apply,
    tax_invoice_approvals_plan,
    tax_invoice_mark_issued,
    tax_invoices_issue,
)
from tests.factories import MembershipFactory, OperatorFactory, place_order

from .helpers import csv_bytes, vo_of

pytestmark = pytest.mark.django_db


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, so Excel reads Hangul
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_checkout_files_invoice_requests_by_tax_type(order, shop):
    reqs = {(r.vendor_order.vendor_id, r.kind): r for r in TaxInvoiceRequest.objects.select_related("vendor_order")}
    assert set(reqs) == {(shop["a"].pk, InvoiceKind.TAX_INVOICE), (shop["b"].pk, InvoiceKind.TAX_INVOICE),
                         (shop["b"].pk, InvoiceKind.INVOICE)}
    assert (reqs[shop["b"].pk, InvoiceKind.TAX_INVOICE].supply_amount,
            reqs[shop["b"].pk, InvoiceKind.TAX_INVOICE].vat_amount) == (2727, 273)  # shipping is taxable


def test_pending_requests_export_as_csv_for_bulk_issuing(order, shop):
    pending = invoice_requests_pending()
    rows = _rows(invoice_requests_csv(pending))
    assert tuple(rows[0]) == CSV_COLUMNS
    body = {(r[-1], r[7]): r for r in rows[1:]}
    vo_a, vo_b = vo_of(order, shop["a"]), vo_of(order, shop["b"])
    written = timezone.localtime(order.paid_at).strftime("%Y%m%d")
    assert body[vo_a.number, "세금계산서"] == [
        written, shop["a"].business_number.replace("-", ""), "햇살농장협동조합", "김햇살", "1234567891", "따숨상사",
        "buyer@example.kr", "세금계산서", "홍성 유기농 현미 5kg", "22727", "2273", "25000", vo_a.number]
    assert body[vo_b.number, "계산서"][8:12] == ["예산 부사 사과 3kg", "36000", "0", "36000"]
    assert body[vo_b.number, "세금계산서"][8:12] == ["배송비", "2727", "273", "3000"]

    # A vendor exports its own; issued ones and unpaid orders are not pending.
    assert {r.vendor_order.vendor_id for r in invoice_requests_pending([shop["a"].pk])} == {shop["a"].pk}
    TaxInvoiceRequest.objects.filter(vendor_order=vo_a).update(issued=True, approval_number="20261122-1-1")
    unpaid = place_order(items=[(shop["rice"], 1)], business_number="123-45-67891", business_name="따숨상사")
    assert not invoice_requests_pending().filter(vendor_order__order=unpaid).exists()
    assert invoice_requests_pending().count() == 2


def test_mark_issued_with_the_approval_number(order, shop):
    req = TaxInvoiceRequest.objects.get(vendor_order=vo_of(order, shop["a"]))
    owner = MembershipFactory(vendor=shop["a"]).user
    stranger = MembershipFactory(vendor=shop["b"]).user
    with pytest.raises(NotAllowed):
        tax_invoice_mark_issued(request_id=req.pk, approval_number="20261122-41000000-0000aaaa", actor=stranger)
    with pytest.raises(OrderError):
        tax_invoice_mark_issued(request_id=req.pk, approval_number="no!", actor=owner)
    done = tax_invoice_mark_issued(request_id=req.pk, approval_number="20261122-41000000-0000aaaa", actor=owner)
    assert done.issued and done.approval_number == "20261122-41000000-0000aaaa" and done.issued_at
    # The same number again changes nothing; another number is refused.
    again = tax_invoice_mark_issued(request_id=req.pk, approval_number="20261122-41000000-0000aaaa", actor=owner)
    assert again.issued_at == done.issued_at
    with pytest.raises(InvalidTransition):
        tax_invoice_mark_issued(request_id=req.pk, approval_number="20261122-41000000-0000bbbb", actor=owner)
    # An approval number belongs to one invoice only.
    other = TaxInvoiceRequest.objects.filter(vendor_order=vo_of(order, shop["b"])).first()
    with pytest.raises(OrderError):
        tax_invoice_mark_issued(request_id=other.pk, approval_number="20261122-41000000-0000aaaa",
                                actor=OperatorFactory())


def _approvals_csv(rows, header=("주문번호", "종류", "승인번호"), encoding="utf-8-sig") -> bytes:
    return csv_bytes(rows, header=header, encoding=encoding)


def test_approvals_from_csv_all_or_nothing(order, shop):
    operator = OperatorFactory()
    vo_a, vo_b = vo_of(order, shop["a"]), vo_of(order, shop["b"])
    good = [(vo_a.number, "세금계산서", "20261122-41000000-00000001"),
            (vo_b.number, "계산서", "20261122-41000000-00000002")]
    plan = tax_invoice_approvals_plan(data=_approvals_csv(good, encoding="cp949"))  # as Excel saves it
    assert plan.ok and [r.action for r in plan.rows] == ["issue", "issue"]
    assert not TaxInvoiceRequest.objects.filter(issued=True).exists()  # a preview saves nothing

    bad = good + [("20000101-00001-1", "세금계산서", "20261122-41000000-00000003"),
                  (vo_b.number, "영수증", "20261122-41000000-00000004"),
                  (vo_b.number, "세금계산서", "20261122-41000000-00000001")]
    plan = tax_invoice_approvals_plan(data=_approvals_csv(bad))
    assert not plan.ok
    assert [r.line for r in plan.rows if r.error] == [4, 5, 6]
    with pytest.raises(ApprovalImportRefused):
        tax_invoice_approvals_apply(data=_approvals_csv(bad), actor=operator)
    assert not TaxInvoiceRequest.objects.filter(issued=True).exists()

    applied = tax_invoice_approvals_apply(data=_approvals_csv(good), actor=operator)
    assert len(applied.to_issue) == 2
    assert set(TaxInvoiceRequest.objects.filter(issued=True).values_list("approval_number", flat=True)) == {
        "20261122-41000000-00000001", "20261122-41000000-00000002"}
    # The same file again: every row already done, nothing to apply.
    again = tax_invoice_approvals_plan(data=_approvals_csv(good))
    assert again.ok and [r.action for r in again.rows] == ["same", "same"]


def test_a_vendor_cannot_reach_another_vendors_requests_by_csv(order, shop):
    vo_b = vo_of(order, shop["b"])
    plan = tax_invoice_approvals_plan(data=_approvals_csv([(vo_b.number, "계산서", "20261122-41000000-00000009")]),
                                      vendor_ids=frozenset({shop["a"].pk}))
    assert not plan.ok and "찾을 수 없습니다" in plan.rows[0].error


def test_approvals_file_without_the_columns_is_refused(order):
    plan = tax_invoice_approvals_plan(data=_approvals_csv([("x", "y")], header=("주문", "번호")))
    assert not plan.ok and "주문번호" in plan.errors[0]


class _ApiIssuer(InvoiceIssuer):
    """A provider that answers with approval numbers at once."""

    label = "API"

    def issue(self, requests):
        return IssueOutcome(approvals={r.pk: f"20261122-99999999-{r.pk:08d}" for r in requests})


def test_the_issuer_is_pluggable(order, settings):
    settings.TAX_INVOICE_ISSUER = "tests.orders.test_tax_invoices._ApiIssuer"
    outcome = tax_invoices_issue(requests=invoice_requests_pending(), actor=OperatorFactory())
    assert not outcome.content and len(outcome.approvals) == 3
    assert TaxInvoiceRequest.objects.filter(issued=True).count() == 3
    settings.TAX_INVOICE_ISSUER = "orders.services.tax_invoices.CsvExportIssuer"
    assert isinstance(tax_invoices.invoice_issuer(), tax_invoices.CsvExportIssuer)


# --- the admins ----------------------------------------------------------------------------------


def test_partner_admin_lists_exports_and_issues_its_own(client, order, shop):
    owner = MembershipFactory(vendor=shop["a"]).user
    client.force_login(owner)
    changelist = client.get(reverse("partner:orders_taxinvoicerequest_changelist"))
    assert changelist.status_code == 200
    page = changelist.content.decode()
    assert vo_of(order, shop["a"]).number in page and vo_of(order, shop["b"]).number not in page

    export = client.get(reverse("partner:orders_taxinvoicerequest_export"))
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = _rows(b"".join([export.content]))
    assert len(rows) == 2 and rows[1][2] == "햇살농장협동조합"

    req = TaxInvoiceRequest.objects.get(vendor_order__vendor=shop["a"])
    other = TaxInvoiceRequest.objects.filter(vendor_order__vendor=shop["b"]).first()
    assert client.get(reverse("partner:orders_taxinvoicerequest_issue", args=[other.pk])).status_code == 404
    response = client.post(reverse("partner:orders_taxinvoicerequest_issue", args=[req.pk]),
                           {"approval_number": "20261122-41000000-0000abcd"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.issued and req.approval_number == "20261122-41000000-0000abcd"


def test_operator_uploads_approvals_with_a_preview(operator_client, order, shop):
    url = reverse("admin:orders_taxinvoicerequest_approvals")
    assert operator_client.get(url).status_code == 200
    vo_a, vo_b = vo_of(order, shop["a"]), vo_of(order, shop["b"])
    data = _approvals_csv([(vo_a.number, "세금계산서", "20261122-41000000-00000011"),
                           (vo_b.number, "계산서", "20261122-41000000-00000012")])
    preview = operator_client.post(url, {"file": ContentFile(data, "approvals.csv")})
    assert preview.status_code == 200 and 'name="token"' in preview.content.decode()
    assert not TaxInvoiceRequest.objects.filter(issued=True).exists()
    token = preview.context["token"]
    done = operator_client.post(reverse("admin:orders_taxinvoicerequest_approvals_confirm"), {"token": token})
    assert done.status_code == 302
    assert TaxInvoiceRequest.objects.filter(issued=True).count() == 2

    # A file with a bad row: the errors are shown and no confirm button is offered.
    bad = _approvals_csv([(vo_b.number, "세금계산서", "not a number!")])
    preview = operator_client.post(url, {"file": ContentFile(bad, "bad.csv")})
    assert preview.status_code == 200 and preview.context["token"] is None
    assert "approval-errors" in preview.content.decode()
    assert TaxInvoiceRequest.objects.filter(issued=True).count() == 2

    export = operator_client.get(reverse("admin:orders_taxinvoicerequest_export"))
    assert len(_rows(export.content)) == 2  # only B's 세금계산서 is still pending


def test_operator_list_shows_pending_first_and_the_change_page_is_read_only(operator_client, order, shop):
    done = TaxInvoiceRequest.objects.get(vendor_order__vendor=shop["a"])
    tax_invoice_mark_issued(request_id=done.pk, approval_number="20261122-41000000-00000077", actor=OperatorFactory())
    response = operator_client.get(reverse("admin:orders_taxinvoicerequest_changelist"))
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert [r.issued for r in shown] == [False, False, True]
    assert "발행 대기 2건 내보내기" in response.content.decode()

    pending = shown[0]
    change_url = reverse("admin:orders_taxinvoicerequest_change", args=[pending.pk])
    page = operator_client.get(change_url)
    assert page.status_code == 200
    assert reverse("admin:orders_taxinvoicerequest_issue", args=[pending.pk]) in page.content.decode()
    assert operator_client.post(change_url, {"approval_number": "x"}).status_code == 403
