"""The history rows of agencies, memberships, quote requests and needs (who, when, from, to, why), and their admin."""
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement import tasks
from procurement.exceptions import InvalidTransition
from procurement.models import (
    AgencyEvent,
    AgencyMembershipEvent,
    AgencyStatus,
    MembershipStatus,
    Need,
    NeedEvent,
    NeedStatus,
    QuoteRequestEvent,
    RequestStatus,
)
from procurement.services import needs as need_svc
from procurement.services.agencies import _agency_transition, agency_join, agency_verify, membership_verify
from procurement.services.purchases import quote_accept
from procurement.services.quotes import quote_request_cancel
from tests.factories import UserFactory, business_number, category
from tests.otp import otp_login
from tests.procurement.factories import AgencyFactory, AgencyMembershipFactory, answered_quote

pytestmark = pytest.mark.django_db

A, M, N, R = AgencyStatus, MembershipStatus, NeedStatus, RequestStatus


def history(queryset):
    return [(e.actor, e.from_status, e.to_status, e.reason) for e in queryset.order_by("created_at", "id")]


def _agency_data():
    return {"name": "예산군청", "kind": "local_gov", "registration_number": business_number(888),
            "region": "yesan", "postal_code": "32433", "address": "충청남도 예산군 예산읍 군청로 1",
            "address_detail": "", "phone": "041-339-7000", "email_domain": "yesan.go.kr"}


# --- agencies and memberships ---------------------------------------------------------------------------


def test_verifying_a_requested_agency_records_the_agency_and_its_requester(operator):
    user = UserFactory()
    membership = agency_join(user=user, agency_data=_agency_data())
    agency_verify(agency_id=membership.agency_id, actor=operator)
    assert history(AgencyEvent.objects.filter(agency_id=membership.agency_id)) == [(operator, A.PENDING, A.VERIFIED, "")]
    assert history(AgencyMembershipEvent.objects.filter(membership=membership)) == [
        (operator, M.PENDING, M.ACTIVE, "")]


def test_rejections_record_the_reason_and_asking_again_records_the_buyer(operator):
    user = UserFactory()
    membership = agency_join(user=user, agency_data=_agency_data())
    agency_verify(agency_id=membership.agency_id, actor=operator, approve=False, reason="공공기관이 아닙니다")
    assert history(AgencyEvent.objects.filter(agency_id=membership.agency_id)) == [
        (operator, A.PENDING, A.REJECTED, "공공기관이 아닙니다")]

    verified = AgencyFactory()
    member = AgencyMembershipFactory(agency=verified, status=M.PENDING)
    membership_verify(membership_id=member.pk, actor=operator, approve=False, reason="재직 확인 불가")
    agency_join(user=member.user, agency_id=verified.pk)  # asks again
    assert history(member.events) == [(operator, M.PENDING, M.REJECTED, "재직 확인 불가"),
                                      (member.user, M.REJECTED, M.PENDING, "")]


def test_a_refused_agency_step_writes_nothing():
    agency = AgencyFactory(status=A.REJECTED)
    with pytest.raises(InvalidTransition, match="'반려' 상태에서는 '확인 완료'"):
        _agency_transition(agency, A.VERIFIED, actor=None)
    assert not AgencyEvent.objects.exists()


# --- quote requests -----------------------------------------------------------------------------------------


@pytest.fixture
def quote(buyer, vendor):
    return answered_quote(agency=buyer.agency_memberships.get().agency, vendor=vendor, buyer=buyer, lines=[
        {"name": "면 수건", "quantity": 10, "unit_price": 3_300, "tax_type": "taxable"}])


def test_cancelling_a_request_records_who_cancelled_it(quote, buyer):
    quote_request_cancel(request_id=quote.request_id, actor=buyer)
    assert history(QuoteRequestEvent.objects.filter(request_id=quote.request_id)) == [(buyer, R.OPEN, R.CANCELLED, "")]


def test_accepting_a_quote_records_the_request_with_the_purchase_order_number(quote, buyer):
    with mock.patch.object(tasks.po_pdf_task, "delay"):
        po = quote_accept(quote_id=quote.pk, actor=buyer)
    assert history(quote.request.events) == [(buyer, R.OPEN, R.ACCEPTED, po.number)]


# --- needs ----------------------------------------------------------------------------------------------------


@pytest.fixture
def need(buyer):
    agency = buyer.agency_memberships.get().agency
    return need_svc.need_create(user=buyer, agency_id=agency.pk, data={
        "category": category("household"), "title": "행사용 수건 300장", "description": "도민 체육대회 기념품",
        "quantity": "300장", "budget": 1_000_000, "deadline": timezone.localdate() + timedelta(days=10)})


def test_closing_a_need_records_who_closed_it(need, buyer):
    need_svc.need_close(need_id=need.pk, actor=buyer)
    need.refresh_from_db()
    assert history(need.events) == [(buyer, N.OPEN, N.CLOSED, "")]
    assert need.events.get().created_at == need.closed_at


def test_needs_closed_by_their_deadline_get_a_row_each(need, buyer):
    Need.objects.filter(pk=need.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    assert need_svc.needs_close_due() == 1
    assert need_svc.needs_close_due() == 0  # again: nothing, and no second row
    assert history(NeedEvent.objects.filter(need=need)) == [(None, N.OPEN, N.CLOSED, "")]
    assert Need.objects.get(pk=need.pk).closed_at == need.events.get().created_at


# --- the operators' admin shows each history --------------------------------------------------------------------


def test_the_admin_pages_show_the_histories(operator, client, quote, buyer, need):
    user = UserFactory()
    membership = agency_join(user=user, agency_data=_agency_data())
    agency_verify(agency_id=membership.agency_id, actor=operator)
    quote_request_cancel(request_id=quote.request_id, actor=buyer)
    need_svc.need_close(need_id=need.pk, actor=buyer)
    otp_login(client, operator)
    pages = {
        "admin:procurement_publicagency_change": (membership.agency_id, "확인 대기 → 확인 완료"),
        "admin:procurement_agencymembership_change": (membership.pk, "확인 대기 → 확인 완료"),
        "admin:procurement_quoterequest_change": (quote.request_id, "견적 진행 중 → 요청 취소"),
        "admin:procurement_need_change": (need.pk, "제안 받는 중 → 마감"),
    }
    for name, (pk, transition) in pages.items():
        page = client.get(reverse(name, args=[pk]))
        assert page.status_code == 200, name
        text = page.content.decode()
        assert "상태 이력" in text and transition in text, name
