"""Agency accounts: joining, requesting an agency, acceptance by the official mail domain, operator checks."""
import re

import pytest
from django.urls import reverse

from accounts.models import Notification
from procurement.exceptions import InvalidTransition, NotAllowed, NotVerified, ProcurementError
from procurement.models import AgencyMembership, AgencyStatus, MembershipStatus, PublicAgency
from procurement.services.agencies import (
    agency_email_confirm,
    agency_join,
    agency_verify,
    domain_auto_accepts,
    membership_verify,
)
from procurement.services.quotes import basket_line_set, quote_request_create
from procurement.tasks import membership_decided_notify_task
from tests.factories import UserFactory, business_number
from tests.otp import otp_login

from .factories import AgencyFactory, AgencyMembershipFactory
from .quotes_helpers import eligible_product, reply_by

pytestmark = pytest.mark.django_db

M = MembershipStatus


def _confirm_link(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/procurement/agency/confirm/[^\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def _agency_data(**overrides):
    data = {"name": "홍성군청", "kind": "local_gov", "registration_number": business_number(777),
            "region": "hongseong", "postal_code": "32223", "address": "충청남도 홍성군 홍성읍 아문길 27",
            "address_detail": "", "phone": "041-630-1234", "email_domain": "hongseong.go.kr"}
    data.update(overrides)
    return data


# --- the domain rule -------------------------------------------------------------------------


@pytest.mark.parametrize("email, accepted", [
    ("kim@chungnam.go.kr", True),
    ("Kim@CHUNGNAM.GO.KR", True),
    ("kim@mail.chungnam.go.kr", False),  # not exactly the agency's domain
    ("kim@chungnam.go.kr.evil.com", False),
    ("kim@evilchungnam.go.kr", False),
    ("kim@example.kr", False),
])
def test_domain_rule_is_exact(email, accepted):
    agency = AgencyFactory(email_domain="chungnam.go.kr")
    assert domain_auto_accepts(email, agency) is accepted


@pytest.mark.parametrize("domain", ["go.kr.evil.com", "notgo.kr", "go.kr", "evil.com"])
def test_look_alike_agency_domains_never_qualify(domain):
    """Even when the user's mail is on exactly the agency's domain, it must be an official *.go.kr subdomain."""
    agency = AgencyFactory(email_domain=domain)
    assert domain_auto_accepts(f"kim@{domain}", agency) is False


def test_unverified_agency_does_not_qualify():
    agency = AgencyFactory(status=AgencyStatus.PENDING, email_domain="chungnam.go.kr")
    assert domain_auto_accepts("kim@chungnam.go.kr", agency) is False


def test_official_suffixes_come_from_settings(settings):
    settings.PROCUREMENT_OFFICIAL_DOMAINS = ("go.kr", "or.kr")
    agency = AgencyFactory(email_domain="cnsec.or.kr")
    assert domain_auto_accepts("lee@cnsec.or.kr", agency) is True


# --- joining -------------------------------------------------------------------------------


def test_official_mail_joins_after_opening_the_mailed_link(client, mailoutbox, django_capture_on_commit_callbacks):
    agency = AgencyFactory(email_domain="chungnam.go.kr")
    user = UserFactory(email="kim@chungnam.go.kr")
    with django_capture_on_commit_callbacks(execute=True):
        membership = agency_join(user=user, agency_id=agency.pk, department="회계과")
    assert membership.status == M.PENDING
    assert [m.to for m in mailoutbox] == [["kim@chungnam.go.kr"]]
    link = _confirm_link(mailoutbox[0])

    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(link, follow=True)
    assert "구매 담당자로 확인되었습니다" in response.content.decode()
    membership.refresh_from_db()
    assert (membership.status, membership.verified_via) == (M.ACTIVE, "domain")
    assert Notification.objects.filter(user=user, title__contains="확인되었습니다").count() == 1


def test_confirmation_link_is_only_for_its_user(client, mailoutbox, django_capture_on_commit_callbacks):
    agency = AgencyFactory(email_domain="chungnam.go.kr")
    user = UserFactory(email="kim@chungnam.go.kr")
    with django_capture_on_commit_callbacks(execute=True):
        membership = agency_join(user=user, agency_id=agency.pk)
    link = _confirm_link(mailoutbox[0])
    token = link.rstrip("/").rsplit("/", 1)[-1]
    with pytest.raises(ProcurementError):
        agency_email_confirm(user=UserFactory(email="park@chungnam.go.kr"), token=token)
    with pytest.raises(ProcurementError):
        agency_email_confirm(user=user, token=token[:-2] + "xx")
    membership.refresh_from_db()
    assert membership.status == M.PENDING


def test_other_mail_waits_for_the_operator(mailoutbox, django_capture_on_commit_callbacks):
    agency = AgencyFactory(email_domain="chungnam.go.kr")
    user = UserFactory(email="kim@chungnam.go.kr.evil.com")
    with django_capture_on_commit_callbacks(execute=True):
        membership = agency_join(user=user, agency_id=agency.pk)
    assert membership.status == M.PENDING
    assert mailoutbox == []
    with pytest.raises(NotVerified):
        basket_line_set(user=user, variant_id=eligible_product().variants.get().pk, quantity=1)


def test_join_twice_is_one_membership_and_active_stays_active():
    agency = AgencyFactory()
    user = UserFactory()
    first = agency_join(user=user, agency_id=agency.pk)
    second = agency_join(user=user, agency_id=agency.pk, department="총무과")
    assert first.pk == second.pk and AgencyMembership.objects.filter(user=user).count() == 1
    active = AgencyMembershipFactory()
    assert agency_join(user=active.user, agency_id=active.agency_id).status == M.ACTIVE


def test_only_verified_agencies_can_be_picked():
    pending = AgencyFactory(status=AgencyStatus.PENDING)
    with pytest.raises(ProcurementError, match="확인된 기관만"):
        agency_join(user=UserFactory(), agency_id=pending.pk)


def test_request_new_agency_then_operator_verifies(operator, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory()
    membership = agency_join(user=user, agency_data=_agency_data())
    agency = membership.agency
    assert (agency.status, agency.created_by, membership.status) == (AgencyStatus.PENDING, user, M.PENDING)
    with pytest.raises(NotAllowed):
        agency_verify(agency_id=agency.pk, actor=user)
    with django_capture_on_commit_callbacks(execute=True):
        agency_verify(agency_id=agency.pk, actor=operator)
    agency.refresh_from_db()
    membership.refresh_from_db()
    assert agency.status == AgencyStatus.VERIFIED and agency.verified_by == operator
    assert (membership.status, membership.verified_via) == (M.ACTIVE, "operator")
    assert len(mailoutbox) == 1 and "확인되었습니다" in mailoutbox[0].subject


def test_same_registration_number_claims_the_existing_agency():
    first = agency_join(user=UserFactory(), agency_data=_agency_data())
    second = agency_join(user=UserFactory(), agency_data=_agency_data(name="홍성군 (다른 표기)"))
    assert first.agency_id == second.agency_id
    assert PublicAgency.objects.count() == 1


def test_bad_agency_data_is_refused_in_korean():
    with pytest.raises(ProcurementError, match="사업자등록번호"):
        agency_join(user=UserFactory(), agency_data=_agency_data(registration_number="123-45-67892"))


def test_reject_agency_needs_a_reason_and_rejects_its_members(operator, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    user = UserFactory()
    membership = agency_join(user=user, agency_data=_agency_data())
    with pytest.raises(ProcurementError, match="사유"):
        agency_verify(agency_id=membership.agency_id, actor=operator, approve=False)
    with django_capture_on_commit_callbacks(execute=True):
        agency_verify(agency_id=membership.agency_id, actor=operator, approve=False, reason="공공기관이 아닙니다")
    membership.refresh_from_db()
    assert membership.status == M.REJECTED and membership.reject_reason == "공공기관이 아닙니다"
    assert "공공기관이 아닙니다" in mailoutbox[0].body


def test_membership_verify_approve_and_reject(operator, django_capture_on_commit_callbacks):
    agency = AgencyFactory()
    membership = agency_join(user=UserFactory(), agency_id=agency.pk)
    with pytest.raises(NotAllowed):
        membership_verify(membership_id=membership.pk, actor=UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        membership_verify(membership_id=membership.pk, actor=operator)
    membership.refresh_from_db()
    assert membership.status == M.ACTIVE
    with django_capture_on_commit_callbacks(execute=True):
        membership_verify(membership_id=membership.pk, actor=operator, approve=False, reason="퇴직")
    membership.refresh_from_db()
    assert membership.status == M.REJECTED
    assert Notification.objects.filter(user=membership.user).count() == 2


def test_membership_of_pending_agency_cannot_be_approved(operator):
    membership = agency_join(user=UserFactory(), agency_data=_agency_data())
    with pytest.raises(ProcurementError, match="기관"):
        membership_verify(membership_id=membership.pk, actor=operator)


def test_rejected_can_ask_again(operator):
    agency = AgencyFactory()
    membership = agency_join(user=UserFactory(), agency_id=agency.pk)
    membership_verify(membership_id=membership.pk, actor=operator, approve=False, reason="확인 불가")
    again = agency_join(user=membership.user, agency_id=agency.pk, note="명함 첨부합니다")
    assert again.pk == membership.pk and again.status == M.PENDING and again.reject_reason == ""


def test_decision_notice_is_sent_once(operator, mailoutbox, django_capture_on_commit_callbacks):
    membership = agency_join(user=UserFactory(), agency_id=AgencyFactory().pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        membership_verify(membership_id=membership.pk, actor=operator)
    callbacks[0]()
    callbacks[0]()  # a retried task
    assert len(mailoutbox) == 1
    assert membership_decided_notify_task(membership_id=membership.pk, status=M.REJECTED) == 0


def test_pending_buyer_cannot_request_quotes():
    membership = agency_join(user=UserFactory(), agency_id=AgencyFactory().pk)
    with pytest.raises(NotVerified, match="확인"):
        quote_request_create(user=membership.user, agency_id=membership.agency_id, title="t", delivery_place="p",
                             reply_by=reply_by(), items=[{"variant_id": eligible_product().variants.get().pk,
                                                          "quantity": 1}])


def test_invalid_transition_is_refused():
    from procurement.services.agencies import _agency_transition

    agency = AgencyFactory(status=AgencyStatus.REJECTED)
    with pytest.raises(InvalidTransition):
        _agency_transition(agency, AgencyStatus.VERIFIED, actor=None)


# --- pages ---------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    for name in ("procurement:agency_join", "procurement:agency_pending"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert client.get(reverse("procurement:home")).status_code == 200


def test_home_page_for_each_kind_of_visitor(client, owner):
    assert "기관 구매 담당자" in client.get(reverse("procurement:home")).content.decode()
    buyer = AgencyMembershipFactory().user
    client.force_login(buyer)
    page = client.get(reverse("procurement:home")).content.decode()
    assert 'data-testid="buyer-panel"' in page and reverse("procurement:basket") in page
    client.force_login(owner)
    page = client.get(reverse("procurement:home")).content.decode()
    assert 'data-testid="vendor-panel"' in page and reverse("procurement:vendor_quote_list") in page


def test_join_page_joins_an_existing_agency(client, django_capture_on_commit_callbacks):
    agency = AgencyFactory(name="충청남도청")
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("procurement:agency_join")).content.decode()
    assert "충청남도청" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("procurement:agency_join"), {
            "mode": "join", "join-agency": agency.pk, "join-role": "buyer", "join-department": "회계과"})
    assert response.status_code == 302 and response["Location"] == reverse("procurement:agency_pending")
    membership = AgencyMembership.objects.get(user=user)
    assert (membership.agency, membership.department, membership.status) == (agency, "회계과", M.PENDING)
    page = client.get(response["Location"]).content.decode()
    assert "운영자가 기관과 담당자를 확인하고 있습니다" in page
    assert "견적을 요청할 수 없습니다" in page


def test_join_page_requests_a_new_agency(client):
    user = UserFactory()
    client.force_login(user)
    data = {"mode": "new", "new-role": "buyer", **{f"new-{k}": v for k, v in _agency_data().items()}}
    response = client.post(reverse("procurement:agency_join"), data)
    assert response.status_code == 302
    agency = PublicAgency.objects.get()
    assert agency.status == AgencyStatus.PENDING and agency.email_domain == "hongseong.go.kr"


def test_join_page_shows_korean_errors_and_keeps_input(client):
    client.force_login(UserFactory())
    data = {"mode": "new", "new-role": "buyer", "new-name": "홍성군청", "new-kind": "local_gov",
            "new-registration_number": "123-45-67892", "new-region": "hongseong", "new-postal_code": "3222",
            "new-address": "", "new-phone": "12345", "new-email_domain": "hongseong"}
    response = client.post(reverse("procurement:agency_join"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "사업자등록번호가 올바르지 않습니다" in page
    assert "주소를 입력해 주세요" in page
    assert "전화번호는 010-1234-5678" in page
    assert "@ 뒤 부분만" in page
    assert 'value="홍성군청"' in page and 'value="123-45-67892"' in page
    assert not PublicAgency.objects.exists()
    response = client.post(reverse("procurement:agency_join"), {"mode": "join", "join-role": "buyer"})
    assert "가입할 기관을 골라 주세요" in response.content.decode()


def test_pending_page_shows_the_rejection_reason(client, operator):
    membership = agency_join(user=UserFactory(), agency_id=AgencyFactory().pk)
    membership_verify(membership_id=membership.pk, actor=operator, approve=False, reason="재직 확인이 안 됩니다")
    client.force_login(membership.user)
    page = client.get(reverse("procurement:agency_pending")).content.decode()
    assert "재직 확인이 안 됩니다" in page


def test_product_page_offers_the_basket_by_state(client):
    product = eligible_product()
    url = product.get_absolute_url()
    page = client.get(url).content.decode()
    assert 'data-testid="agency-signup-hint"' in page and "견적 바구니 담기" not in page
    client.force_login(AgencyMembershipFactory().user)
    page = client.get(url).content.decode()
    assert "견적 바구니 담기" in page
    assert f"{reverse('procurement:request_custom_new')}?vendor={product.vendor_id}" in page
    client.force_login(agency_join(user=UserFactory(), agency_id=AgencyFactory().pk).user)
    assert "기관 구성원 확인이 끝나면" in client.get(url).content.decode()


def test_operator_admin_approves_and_rejects_with_reason(client, operator, django_capture_on_commit_callbacks):
    agency = AgencyFactory()
    first = agency_join(user=UserFactory(), agency_id=agency.pk)
    second = agency_join(user=UserFactory(), agency_id=agency.pk)
    otp_login(client, operator)
    url = reverse("admin:procurement_agencymembership_changelist")
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "approve_selected", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.status == M.ACTIVE
    response = client.post(url, {"action": "reject_selected", "_selected_action": [second.pk]})
    assert "반려 사유" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "reject_selected", "_selected_action": [second.pk], "apply": "1",
                          "reason": "다른 기관 소속"})
    second.refresh_from_db()
    assert second.status == M.REJECTED and second.reject_reason == "다른 기관 소속"
    assert client.get(reverse("admin:procurement_publicagency_change", args=[agency.pk])).status_code == 200


def test_operator_admin_verifies_agency(client, operator):
    membership = agency_join(user=UserFactory(), agency_data=_agency_data())
    otp_login(client, operator)
    client.post(reverse("admin:procurement_publicagency_changelist"),
                {"action": "verify_selected", "_selected_action": [membership.agency_id]})
    membership.refresh_from_db()
    assert membership.agency.status == AgencyStatus.VERIFIED and membership.status == M.ACTIVE

