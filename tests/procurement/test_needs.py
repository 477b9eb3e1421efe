"""The needs board (우리 이런 제품 필요해요): posting, vendor notices, proposals, one-click quote request, closing."""
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from procurement import tasks
from procurement.exceptions import InvalidTransition, NotAllowed, NotVerified, ProcurementError
from procurement.models import Need, NeedAttachment, NeedProposal, NeedStatus, QuoteRequest, QuoteStatus
from procurement.services import needs as svc
from tests.factories import MembershipFactory, ProductFactory, VendorFactory, category, pdf_upload, png_upload, upload
from tests.procurement.factories import AgencyFactory, AgencyMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def towel(vendor, household):
    return ProductFactory(vendor=vendor, category=household, name="면 수건", procurement_eligible=True,
                          variants=[{"name": "흰색", "price": 3_300, "stock": 500}])


def need_data(household, **kw):
    return {"category": household, "title": "행사용 수건 300장", "description": "10월 도민 체육대회 기념품",
            "quantity": "300장", "budget": 1_000_000, "deadline": timezone.localdate() + timedelta(days=10), **kw}


@pytest.fixture
def need(buyer, agency, household):
    return svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household))


# --- posting ---------------------------------------------------------------------------------------


def test_need_create_with_attachments(buyer, agency, household):
    need = svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household),
                           attachments=[pdf_upload("사양서.pdf"), png_upload("견본.png")])
    assert (need.agency, need.created_by, need.category, need.status, need.budget) == (
        agency, buyer, household, NeedStatus.OPEN, 1_000_000)
    names = sorted(a.original_name for a in need.attachments.all())
    assert names == ["견본.png", "사양서.pdf"]
    assert all(a.file.name.startswith("procurement/needattachment/") for a in need.attachments.all())


def test_need_create_rules(buyer, agency, household, user, owner):
    for who in (user, owner, AgencyMembershipFactory(agency=AgencyFactory()).user):
        with pytest.raises(NotVerified):
            svc.need_create(user=who, agency_id=agency.pk, data=need_data(household))
    with pytest.raises(ProcurementError, match="내일 이후"):
        svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household, deadline=timezone.localdate()))
    with pytest.raises(ProcurementError, match="분류"):
        svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household, category=None))
    with pytest.raises(ProcurementError, match="PDF, JPEG, PNG"):
        svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household),
                        attachments=[upload("x.exe", b"MZ\x90\x00")])
    with pytest.raises(ProcurementError, match="5개까지"):
        svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household),
                        attachments=[pdf_upload() for _ in range(6)])
    assert not Need.objects.exists() and not NeedAttachment.objects.exists()


def test_vendors_of_the_category_are_notified_once(buyer, agency, household, towel, owner, vendor,
                                                   django_capture_on_commit_callbacks):
    staff = MembershipFactory(vendor=vendor, role="staff").user
    food_vendor = VendorFactory()
    food_owner = MembershipFactory(vendor=food_vendor).user
    ProductFactory(vendor=food_vendor, category=category("rice-grains"))
    sub = household.children.create(name="수건/타월", slug="towels", position=1)
    sub_vendor = VendorFactory()
    sub_owner = MembershipFactory(vendor=sub_vendor).user
    ProductFactory(vendor=sub_vendor, category=sub)
    hidden_vendor = VendorFactory()
    hidden_owner = MembershipFactory(vendor=hidden_vendor).user
    ProductFactory(vendor=hidden_vendor, category=household, status="hidden")
    with django_capture_on_commit_callbacks(execute=True):
        need = svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household))
    told = set(Notification.objects.filter(title__startswith="우리 이런 제품 필요해요").values_list("user", flat=True))
    assert told == {owner.pk, sub_owner.pk}
    assert food_owner.pk not in told and hidden_owner.pk not in told and staff.pk not in told
    notice = Notification.objects.get(user=owner)
    assert notice.url == reverse("procurement:need_detail", args=[need.pk]) and "300장" in notice.body
    sent = len(mail.outbox)
    assert tasks.need_posted_notify_task.delay(need_id=need.pk).get() == 0
    assert len(mail.outbox) == sent


# --- proposals ----------------------------------------------------------------------------------------


def test_vendor_proposes_and_revises(need, owner, vendor, towel, buyer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = svc.need_propose(need_id=need.pk, actor=owner, vendor_id=vendor.pk, message="자수 로고 가능합니다",
                                    price_idea=990_000, product_ids=[towel.pk])
    assert list(proposal.products.all()) == [towel] and proposal.price_idea == 990_000
    assert Notification.objects.get(user=buyer).title == "새 제안이 도착했습니다"
    with django_capture_on_commit_callbacks(execute=True):
        again = svc.need_propose(need_id=need.pk, actor=owner, vendor_id=vendor.pk, message="단가 조정했습니다",
                                 price_idea=950_000, product_ids=[])
    assert again.pk == proposal.pk and NeedProposal.objects.count() == 1
    again.refresh_from_db()
    assert (again.message, again.price_idea, again.products.count()) == ("단가 조정했습니다", 950_000, 0)
    assert Notification.objects.filter(user=buyer, title="제안이 수정되었습니다").count() == 1


def test_proposal_rules(need, owner, vendor, other_vendor, other_owner, towel, buyer, user):
    for who in (buyer, user, other_owner):
        with pytest.raises(NotAllowed):
            svc.need_propose(need_id=need.pk, actor=who, vendor_id=vendor.pk, message="x")
    with pytest.raises(ProcurementError, match="우리 기업의 판매 중인 상품"):
        svc.need_propose(need_id=need.pk, actor=other_owner, vendor_id=other_vendor.pk, message="x",
                         product_ids=[towel.pk])
    pending = VendorFactory(status="submitted")
    pending_owner = MembershipFactory(vendor=pending).user
    with pytest.raises(NotAllowed, match="입점 승인"):
        svc.need_propose(need_id=need.pk, actor=pending_owner, vendor_id=pending.pk, message="x")
    with pytest.raises(ProcurementError, match="제안 내용"):
        svc.need_propose(need_id=need.pk, actor=owner, vendor_id=vendor.pk, message=" ")
    Need.objects.filter(pk=need.pk).update(status=NeedStatus.CLOSED)
    with pytest.raises(InvalidTransition, match="제안을 받지 않는"):
        svc.need_propose(need_id=need.pk, actor=owner, vendor_id=vendor.pk, message="x")
    assert not NeedProposal.objects.exists()


def test_proposal_to_request_in_one_click(need, owner, vendor, towel, buyer, agency,
                                          django_capture_on_commit_callbacks):
    proposal = svc.need_propose(need_id=need.pk, actor=owner, vendor_id=vendor.pk, message="자수 로고 가능",
                                price_idea=990_000, product_ids=[towel.pk])
    with django_capture_on_commit_callbacks(execute=True):
        request = svc.proposal_to_request(proposal_id=proposal.pk, actor=buyer)
    assert (request.agency, request.need, request.title, request.created_by) == (agency, need, need.title, buyer)
    item = request.items.get()
    assert (item.vendor, item.variant, item.name, item.quantity) == (vendor, towel.variants.get(), "면 수건", 300)
    quote = request.quotes.get()
    assert (quote.vendor, quote.status) == (vendor, QuoteStatus.REQUESTED)
    assert "자수 로고 가능" in request.message and "990,000원" in request.message
    proposal.refresh_from_db()
    need.refresh_from_db()
    assert proposal.quote_request == request
    assert need.status == NeedStatus.FULFILLED and need.closed_at
    assert Notification.objects.filter(user=owner, title__contains=quote.number).exists()
    # One click, one request.
    assert svc.proposal_to_request(proposal_id=proposal.pk, actor=buyer).pk == request.pk
    assert QuoteRequest.objects.count() == 1
    with pytest.raises(InvalidTransition, match="제안을 받지 않는 게시글입니다 \\(구매 연결\\)"):
        svc.need_propose(need_id=need.pk, actor=owner, vendor_id=vendor.pk, message="x")


def test_proposal_without_products_asks_for_the_need_itself(need, other_owner, other_vendor, buyer):
    proposal = svc.need_propose(need_id=need.pk, actor=other_owner, vendor_id=other_vendor.pk,
                                message="주문 제작으로 가능합니다")
    request = svc.proposal_to_request(proposal_id=proposal.pk, actor=buyer)
    item = request.items.get()
    assert (item.vendor, item.variant, item.name, item.quantity, item.note) == (
        other_vendor, None, "행사용 수건 300장", 300, "300장")


def test_a_second_proposal_may_still_become_a_request(need, owner, vendor, other_owner, other_vendor, buyer):
    first = svc.need_propose(need_id=need.pk, actor=owner, vendor_id=vendor.pk, message="a")
    second = svc.need_propose(need_id=need.pk, actor=other_owner, vendor_id=other_vendor.pk, message="b")
    svc.proposal_to_request(proposal_id=first.pk, actor=buyer)
    svc.proposal_to_request(proposal_id=second.pk, actor=buyer)
    assert QuoteRequest.objects.filter(need=need).count() == 2


def test_proposal_to_request_by_others_is_refused(need, owner, vendor, user):
    proposal = svc.need_propose(need_id=need.pk, actor=owner, vendor_id=vendor.pk, message="a")
    for who in (owner, user, AgencyMembershipFactory(agency=AgencyFactory()).user):
        with pytest.raises(NotAllowed):
            svc.proposal_to_request(proposal_id=proposal.pk, actor=who)
    assert not QuoteRequest.objects.exists()


# --- closing ----------------------------------------------------------------------------------------


def test_need_close_by_agency_or_operator(need, buyer, owner, operator):
    with pytest.raises(NotAllowed):
        svc.need_close(need_id=need.pk, actor=owner)
    svc.need_close(need_id=need.pk, actor=buyer)
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED and need.closed_at
    with pytest.raises(InvalidTransition):
        svc.need_close(need_id=need.pk, actor=operator)


def test_close_due_closes_only_needs_past_their_deadline(buyer, agency, household):
    today = timezone.localdate()
    due = svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household))
    today_deadline = svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household))
    fulfilled = svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household))
    Need.objects.filter(pk=due.pk).update(deadline=today - timedelta(days=1))
    Need.objects.filter(pk=today_deadline.pk).update(deadline=today)
    Need.objects.filter(pk=fulfilled.pk).update(deadline=today - timedelta(days=3), status=NeedStatus.FULFILLED)
    assert tasks.needs_close_due_task.delay().get() == 1
    assert dict(Need.objects.values_list("pk", "status")) == {
        due.pk: NeedStatus.CLOSED, today_deadline.pk: NeedStatus.OPEN, fulfilled.pk: NeedStatus.FULFILLED}
    assert Need.objects.get(pk=due.pk).closed_at
    assert svc.needs_close_due() == 0
    assert svc.needs_close_due(today=today + timedelta(days=1)) == 1


def test_close_due_is_in_the_beat_schedule(settings):
    entries = {e["task"]: e for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "procurement.needs_close_due_task" in entries
    from ddasum.celery import app

    app.loader.import_default_modules()
    assert "procurement.needs_close_due_task" in app.tasks


# --- pages ---------------------------------------------------------------------------------------------


def test_need_list_is_for_signed_in_users_with_a_fixed_query_count(client, buyer, agency, household, user,
                                                                   django_assert_max_num_queries):
    assert client.get(reverse("procurement:need_list")).status_code == 302  # to the login
    for n in range(3):
        svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household, title=f"수건 {n}"))
    client.force_login(user)
    with django_assert_max_num_queries(12) as few:
        response = client.get(reverse("procurement:need_list"))
    baseline = len(few)
    for n in range(20):
        svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household, title=f"더 {n}"))
    with django_assert_max_num_queries(baseline):
        response = client.get(reverse("procurement:need_list"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="need-row"') == 20
    assert 'data-testid="need-new"' not in response.content.decode()


def test_need_list_category_filter_and_closed_hidden(client, buyer, agency, household, user):
    svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household, title="수건 필요"))
    svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(category("rice-grains"), title="쌀 필요"))
    closed = svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household, title="마감된 글"))
    Need.objects.filter(pk=closed.pk).update(status=NeedStatus.CLOSED)
    client.force_login(user)
    body = client.get(reverse("procurement:need_list") + "?category=household").content.decode()
    assert "수건 필요" in body and "쌀 필요" not in body and "마감된 글" not in body
    client.force_login(buyer)
    body = client.get(reverse("procurement:need_list") + "?mine=1").content.decode()
    assert "마감된 글" in body and 'data-testid="need-new"' in body


def test_need_new_page(client, buyer, agency, household, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    assert client.get(reverse("procurement:need_new")).status_code == 403
    client.force_login(buyer)
    assert client.get(reverse("procurement:need_new")).status_code == 200
    bad = client.post(reverse("procurement:need_new"), {
        "agency": agency.pk, "category": household.pk, "title": "", "description": "d", "quantity": "1",
        "deadline": timezone.localdate().isoformat()})
    body = bad.content.decode()
    assert bad.status_code == 400
    assert "제목을 입력해 주세요." in body and "제안 마감일은 내일 이후로 정해 주세요." in body
    bad = client.post(reverse("procurement:need_new"), {
        "agency": agency.pk, "category": household.pk, "title": "t", "description": "d", "quantity": "1",
        "deadline": (timezone.localdate() + timedelta(days=5)).isoformat(),
        "attachments": [upload("a.pdf", b"not a pdf")]})
    assert "PDF, JPEG, PNG 파일만 올릴 수 있습니다" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("procurement:need_new"), {
            "agency": agency.pk, "category": household.pk, "title": "회의실 의자 20개", "description": "등받이 있는 것",
            "quantity": "20개", "budget": "1200000", "deadline": (timezone.localdate() + timedelta(days=5)).isoformat(),
            "attachments": [pdf_upload("사양.pdf"), png_upload("사진.png")]})
    need = Need.objects.get()
    assert response.status_code == 302 and response.url == need.get_absolute_url()
    assert (need.title, need.budget, need.attachments.count()) == ("회의실 의자 20개", 1_200_000, 2)


def test_need_detail_shows_proposals_to_the_right_people(client, need, owner, vendor, other_owner, other_vendor,
                                                         buyer, operator, user):
    svc.need_propose(need_id=need.pk, actor=owner, vendor_id=vendor.pk, message="우리 제안 A")
    svc.need_propose(need_id=need.pk, actor=other_owner, vendor_id=other_vendor.pk, message="다른 제안 B")
    url = reverse("procurement:need_detail", args=[need.pk])
    seen = {}
    for name, who in {"buyer": buyer, "operator": operator, "owner": owner, "other": other_owner, "user": user,
                      "other_agency": AgencyMembershipFactory(agency=AgencyFactory()).user}.items():
        client.force_login(who)
        body = client.get(url).content.decode()
        seen[name] = ("우리 제안 A" in body, "다른 제안 B" in body)
    assert seen == {"buyer": (True, True), "operator": (True, True), "owner": (True, False),
                    "other": (False, True), "user": (False, False), "other_agency": (False, False)}
    client.force_login(buyer)
    assert 'data-testid="proposal-to-request"' in client.get(url).content.decode()
    client.force_login(owner)
    body = client.get(url).content.decode()
    assert 'data-testid="propose"' in body and "우리 제안 A" in body  # the form holds the own proposal
    assert 'data-testid="proposal-to-request"' not in body


def test_need_propose_page(client, need, owner, vendor, towel, user, django_capture_on_commit_callbacks):
    url = reverse("procurement:need_propose", args=[need.pk])
    client.force_login(user)
    assert client.post(url, {"vendor": vendor.pk, "message": "x"}).status_code == 404
    client.force_login(owner)
    bad = client.post(url, {"vendor": vendor.pk, "message": ""})
    assert bad.status_code == 400 and "제안 내용을 입력해 주세요." in bad.content.decode()
    response = client.post(url, {"vendor": vendor.pk, "message": "납기 2주", "price_idea": "900000",
                                 "products": [towel.pk]})
    assert response.status_code == 302
    proposal = NeedProposal.objects.get()
    assert (proposal.vendor, proposal.message, list(proposal.products.all())) == (vendor, "납기 2주", [towel])


def test_proposal_to_request_page(client, need, owner, vendor, buyer, other_owner):
    proposal = svc.need_propose(need_id=need.pk, actor=owner, vendor_id=vendor.pk, message="a")
    url = reverse("procurement:proposal_to_request", args=[proposal.pk])
    for who in (owner, other_owner, AgencyMembershipFactory(agency=AgencyFactory()).user):
        client.force_login(who)
        assert client.post(url).status_code == 404
    client.force_login(buyer)
    response = client.post(url)
    request = QuoteRequest.objects.get()
    assert response.status_code == 302 and response.url == request.get_absolute_url()
    assert client.get(reverse("procurement:need_detail", args=[need.pk])).status_code == 200


def test_need_close_page(client, need, buyer, owner):
    url = reverse("procurement:need_close", args=[need.pk])
    client.force_login(owner)
    assert client.post(url).status_code == 404
    client.force_login(buyer)
    assert client.post(url).status_code == 302
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED


def test_need_attachment_access(client, buyer, agency, household, owner, operator, user):
    need = svc.need_create(user=buyer, agency_id=agency.pk, data=need_data(household),
                           attachments=[pdf_upload("사양서.pdf")])
    url = reverse("procurement:need_attachment", args=[need.attachments.get().pk])
    pending_owner = MembershipFactory(vendor=VendorFactory(status="submitted")).user
    for who, status in ((buyer, 200), (owner, 200), (operator, 200), (user, 404), (pending_owner, 404),
                        (AgencyMembershipFactory(agency=AgencyFactory()).user, 404)):
        client.force_login(who)
        response = client.get(url)
        assert response.status_code == status, who
        if status == 200:
            assert response["Content-Type"] == "application/pdf"
            assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.logout()
    assert client.get(url).status_code == 302
