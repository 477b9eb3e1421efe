"""The application's state machine, its documents and the certification rules, by service calls."""
from datetime import timedelta
from decimal import Decimal

import pytest
from celery import Task
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from tests.factories import MembershipFactory, UserFactory, VendorFactory, pdf_upload, png_upload
from vendors import services
from vendors import tasks as vendors_tasks
from vendors.exceptions import ApplicationIncomplete, InvalidTransition, NotAllowed
from vendors.models import (
    REQUIRED_DOCUMENTS,
    CertificationRenewal,
    CommissionRateChange,
    DocumentKind,
    EnterpriseType,
    MembershipRole,
    RenewalStatus,
    Vendor,
    VendorDocument,
    VendorStatus,
)
from vendors.tasks import vendor_status_notify_task

pytestmark = pytest.mark.django_db

S = VendorStatus


def application_data(**overrides):
    data = {
        "name": "홍성유기농영농조합",
        "business_number": "220-81-62517",
        "representative": "이순자",
        "enterprise_type": EnterpriseType.SOCIAL,
        "cert_number": "2020-123",
        "cert_valid_until": timezone.localdate() + timedelta(days=400),
        "region": "hongseong",
        "postal_code": "32244",
        "address": "충청남도 홍성군 홍동면 운월리 100",
        "phone": "041-631-1234",
        "email": "hello@hongseong.kr",
        "business_type": "농업",
        "business_item": "잡곡",
        "bank_name": "농협은행",
        "bank_account_number": "301-0000-1111-21",
        "bank_account_holder": "홍성유기농영농조합",
    }
    data.update(overrides)
    return data


def add_all_documents(vendor, user):
    for kind in REQUIRED_DOCUMENTS[vendor.enterprise_type]:
        upload = png_upload() if kind == DocumentKind.SEAL else pdf_upload()
        services.vendor_document_add(vendor_id=vendor.pk, kind=kind, upload=upload, user=user)


@pytest.fixture
def applicant(db):
    return UserFactory()


@pytest.fixture
def draft(applicant):
    return services.vendor_application_create(user=applicant, data=application_data())


def submitted(draft, applicant):
    add_all_documents(draft, applicant)
    return services.vendor_action(vendor_id=draft.pk, action="submit", actor=applicant)


def test_create_makes_a_draft_owned_by_the_applicant(draft, applicant):
    assert draft.status == S.DRAFT
    membership = draft.memberships.get()
    assert membership.user == applicant and membership.role == MembershipRole.OWNER
    assert list(draft.events.values_list("from_status", "to_status")) == [("", S.DRAFT)]


def test_submit_names_each_missing_document(draft, applicant):
    services.vendor_document_add(vendor_id=draft.pk, kind=DocumentKind.APPLICATION_FORM, upload=pdf_upload(), user=applicant)
    with pytest.raises(ApplicationIncomplete) as exc:
        services.vendor_action(vendor_id=draft.pk, action="submit", actor=applicant)
    message = exc.value.message
    assert "사업자등록증" in message and "통장 사본" in message and "사회적기업 인증서" in message
    assert "입점 신청서" not in message
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_required_proof_is_named_by_enterprise_type(applicant):
    vendor = services.vendor_application_create(
        user=applicant, data=application_data(enterprise_type=EnterpriseType.VILLAGE, cert_number="", cert_valid_until=None)
    )
    missing = services.vendor_application_missing(vendor=vendor)
    assert "마을기업 지정서" in missing
    assert "인증(지정) 번호" not in missing


def test_certified_type_needs_number_and_period(applicant):
    vendor = services.vendor_application_create(user=applicant, data=application_data(cert_number="", cert_valid_until=None))
    missing = services.vendor_application_missing(vendor=vendor)
    assert "인증(지정) 번호" in missing and "인증 유효기간 만료일" in missing


def test_full_review_flow_records_every_transition_and_notifies(draft, applicant, operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submitted(draft, applicant)
        services.vendor_action(vendor_id=draft.pk, action="start_review", actor=operator)
        services.vendor_action(vendor_id=draft.pk, action="request_changes", actor=operator, reason="통장 사본이 흐립니다.")
        services.vendor_document_add(vendor_id=draft.pk, kind=DocumentKind.BANK_BOOK, upload=pdf_upload(), user=applicant)
        services.vendor_action(vendor_id=draft.pk, action="submit", actor=applicant)
        services.vendor_action(vendor_id=draft.pk, action="start_review", actor=operator)
        services.vendor_action(vendor_id=draft.pk, action="approve", actor=operator)
    draft.refresh_from_db()
    assert draft.status == S.APPROVED and draft.approved_at and draft.submitted_at
    history = list(draft.events.order_by("created_at", "id").values_list("from_status", "to_status", "reason"))
    assert history == [
        ("", S.DRAFT, ""),
        (S.DRAFT, S.SUBMITTED, ""),
        (S.SUBMITTED, S.UNDER_REVIEW, ""),
        (S.UNDER_REVIEW, S.CHANGES_REQUESTED, "통장 사본이 흐립니다."),
        (S.CHANGES_REQUESTED, S.SUBMITTED, ""),
        (S.SUBMITTED, S.UNDER_REVIEW, ""),
        (S.UNDER_REVIEW, S.APPROVED, ""),
    ]
    assert draft.events.filter(to_status=S.APPROVED).get().actor == operator
    titles = list(Notification.objects.filter(user=applicant).values_list("title", flat=True))
    assert "입점이 승인되었습니다" in titles and "입점 신청 보완을 요청드립니다" in titles
    assert any("입점이 승인되었습니다" in m.subject for m in mail.outbox)
    changes_mail = next(m for m in mail.outbox if "보완" in m.subject)
    assert "통장 사본이 흐립니다." in changes_mail.body


def test_notify_task_is_idempotent(draft, applicant, operator, django_capture_on_commit_callbacks):
    submitted(draft, applicant)
    with django_capture_on_commit_callbacks(execute=True):
        services.vendor_action(vendor_id=draft.pk, action="start_review", actor=operator)
    event = draft.events.get(to_status=S.UNDER_REVIEW)
    count, mails = Notification.objects.count(), len(mail.outbox)
    assert vendor_status_notify_task(event_id=event.pk) == 0
    assert (Notification.objects.count(), len(mail.outbox)) == (count, mails)


@pytest.mark.parametrize(
    "start, action",
    [
        (S.DRAFT, "approve"),
        (S.SUBMITTED, "approve"),  # review must start first
        (S.APPROVED, "submit"),
        (S.REJECTED, "start_review"),
        (S.WITHDRAWN, "reinstate"),
        (S.APPROVED, "reinstate"),
        (S.UNDER_REVIEW, "suspend"),
    ],
)
def test_illegal_transitions_are_refused(start, action, operator):
    vendor = VendorFactory(status=start)
    owner = MembershipFactory(vendor=vendor).user
    actor = owner if services.ACTIONS[action].by == services.OWNER else operator
    with pytest.raises((InvalidTransition, ApplicationIncomplete)):
        services.vendor_action(vendor_id=vendor.pk, action=action, actor=actor, reason="사유")
    vendor.refresh_from_db()
    assert vendor.status == start


def test_reasons_are_required_for_negative_decisions(operator):
    vendor = VendorFactory(status=S.UNDER_REVIEW)
    for action in ("request_changes", "reject"):
        with pytest.raises(ApplicationIncomplete):
            services.vendor_action(vendor_id=vendor.pk, action=action, actor=operator, reason="  ")
    approved = VendorFactory()
    with pytest.raises(ApplicationIncomplete):
        services.vendor_action(vendor_id=approved.pk, action="suspend", actor=operator)


def test_only_operators_review_and_only_owners_submit(draft, applicant):
    add_all_documents(draft, applicant)
    stranger = UserFactory()
    staff_member = MembershipFactory(vendor=draft, role=MembershipRole.STAFF).user
    for actor in (stranger, staff_member):
        with pytest.raises(NotAllowed):
            services.vendor_action(vendor_id=draft.pk, action="submit", actor=actor)
    services.vendor_action(vendor_id=draft.pk, action="submit", actor=applicant)
    with pytest.raises(NotAllowed):
        services.vendor_action(vendor_id=draft.pk, action="start_review", actor=applicant)


def test_suspend_reinstate_withdraw(operator):
    vendor = VendorFactory()
    owner = MembershipFactory(vendor=vendor).user
    services.vendor_action(vendor_id=vendor.pk, action="suspend", actor=operator, reason="배송 지연 민원 반복")
    assert not Vendor.objects.selling().filter(pk=vendor.pk).exists()
    services.vendor_action(vendor_id=vendor.pk, action="reinstate", actor=operator)
    assert Vendor.objects.selling().filter(pk=vendor.pk).exists()
    services.vendor_action(vendor_id=vendor.pk, action="withdraw", actor=owner)
    vendor.refresh_from_db()
    assert vendor.status == S.WITHDRAWN
    assert services.vendor_actions_available(vendor=vendor, user=operator) == []


def test_application_cannot_change_after_submission(draft, applicant):
    submitted(draft, applicant)
    with pytest.raises(InvalidTransition):
        services.vendor_application_update(vendor_id=draft.pk, user=applicant, data={"name": "새 이름"})
    with pytest.raises(InvalidTransition):
        services.vendor_document_add(vendor_id=draft.pk, kind=DocumentKind.BANK_BOOK, upload=pdf_upload(), user=applicant)


def test_seal_must_be_an_image(draft, applicant):
    with pytest.raises(Exception) as exc:
        services.vendor_document_add(vendor_id=draft.pk, kind=DocumentKind.SEAL, upload=pdf_upload(), user=applicant)
    assert "JPEG, PNG 파일만" in str(exc.value)
    assert not VendorDocument.objects.exists()


@pytest.mark.local_files  # reads the files on disk
def test_documents_are_stored_privately(draft, applicant, settings):
    doc = services.vendor_document_add(
        vendor_id=draft.pk, kind=DocumentKind.BUSINESS_REGISTRATION, upload=pdf_upload("사업자등록증.pdf"), user=applicant
    )
    assert doc.original_name == "사업자등록증.pdf"
    assert doc.file.path.startswith(settings.STORAGES["private"]["OPTIONS"]["location"])
    assert not doc.file.path.startswith(settings.MEDIA_ROOT)
    with pytest.raises(ValueError):
        doc.file.url  # no URL exists for a private file  # noqa: B018


def test_live_business_number_is_unique_but_rejected_may_reapply(applicant):
    VendorFactory(business_number="220-81-62517", status=S.REJECTED)
    services.vendor_application_create(user=applicant, data=application_data())
    with pytest.raises(Exception) as exc:
        services.vendor_application_create(user=UserFactory(), data=application_data())
    assert "이미 등록되었거나 신청 중인 사업자등록번호" in str(exc.value)


# --- certification -----------------------------------------------------------------


def certified(days_left, **kw):
    vendor = VendorFactory(
        enterprise_type=EnterpriseType.SOCIAL, cert_number="2021-45",
        cert_valid_until=timezone.localdate() + timedelta(days=days_left), **kw,
    )
    MembershipFactory(vendor=vendor)
    return vendor


def test_reminders_30_and_7_days_before_are_sent_once(settings):
    v30, v7, v50 = certified(30), certified(7), certified(50)
    first = services.vendor_certifications_check()
    again = services.vendor_certifications_check()
    assert first["reminded"] == 2 and again["reminded"] == 0
    assert Notification.objects.get(title__contains="인증 만료 30일 전").user.vendor_memberships.get().vendor == v30
    assert Notification.objects.get(title__contains="인증 만료 7일 전").user.vendor_memberships.get().vendor == v7
    assert not Notification.objects.filter(user__vendor_memberships__vendor=v50).exists()
    assert len(mail.outbox) == 2


def test_missed_day_is_caught_up_by_the_nearest_threshold():
    vendor = certified(25)
    services.vendor_certifications_check()
    assert Notification.objects.filter(user__vendor_memberships__vendor=vendor).count() == 1
    # Five days on, 20 days left: still the 30-day reminder, already sent.
    services.vendor_certifications_check(today=timezone.localdate() + timedelta(days=5))
    assert Notification.objects.filter(user__vendor_memberships__vendor=vendor).count() == 1
    # 6 days left: the 7-day reminder.
    services.vendor_certifications_check(today=timezone.localdate() + timedelta(days=19))
    assert Notification.objects.filter(user__vendor_memberships__vendor=vendor).count() == 2


def test_lapsed_certification_is_marked_and_leaves_the_shop():
    vendor = certified(-1)
    plain = VendorFactory(enterprise_type=EnterpriseType.COOPERATIVE)
    assert not Vendor.objects.selling().filter(pk=vendor.pk).exists()  # the clock decides, even before the task
    result = services.vendor_certifications_check()
    vendor.refresh_from_db()
    assert vendor.cert_expired and result["expired"] == 1
    assert services.vendor_certifications_check()["expired"] == 0
    assert Notification.objects.filter(title__contains="판매가 중지").count() == 1
    assert Vendor.objects.selling().filter(pk=plain.pk).exists()


def test_renewal_confirmed_brings_the_vendor_back(operator, django_capture_on_commit_callbacks):
    vendor = certified(-3, cert_expired=True)
    owner = vendor.memberships.get().user
    new_until = timezone.localdate() + timedelta(days=3 * 365)
    with django_capture_on_commit_callbacks(execute=True):
        renewal = services.vendor_certification_renewal_request(
            vendor_id=vendor.pk, user=owner, cert_number="2021-45", valid_until=new_until, upload=pdf_upload()
        )
    assert Notification.objects.filter(user=operator, title__contains="인증 갱신 확인 요청").exists()
    with pytest.raises(InvalidTransition):
        services.vendor_certification_renewal_request(
            vendor_id=vendor.pk, user=owner, cert_number="x", valid_until=new_until, upload=pdf_upload()
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.vendor_certification_renewal_decide(renewal_id=renewal.pk, actor=operator, confirm=True)
    vendor.refresh_from_db()
    assert vendor.cert_valid_until == new_until and not vendor.cert_expired
    assert Vendor.objects.selling().filter(pk=vendor.pk).exists()
    assert Notification.objects.filter(user=owner, title="인증 갱신이 확인되었습니다").exists()
    with pytest.raises(InvalidTransition):
        services.vendor_certification_renewal_decide(renewal_id=renewal.pk, actor=operator, confirm=True)


def test_renewal_rejection_needs_a_reason_and_only_operators_decide(operator):
    vendor = certified(5)
    owner = vendor.memberships.get().user
    renewal = services.vendor_certification_renewal_request(
        vendor_id=vendor.pk, user=owner, cert_number="2021-46",
        valid_until=timezone.localdate() + timedelta(days=700), upload=pdf_upload(),
    )
    with pytest.raises(NotAllowed):
        services.vendor_certification_renewal_decide(renewal_id=renewal.pk, actor=owner, confirm=True)
    with pytest.raises(ApplicationIncomplete):
        services.vendor_certification_renewal_decide(renewal_id=renewal.pk, actor=operator, confirm=False)
    services.vendor_certification_renewal_decide(renewal_id=renewal.pk, actor=operator, confirm=False, reason="기간이 다릅니다")
    assert CertificationRenewal.objects.get().status == RenewalStatus.REJECTED
    vendor.refresh_from_db()
    assert vendor.cert_number == "2021-45"


def test_changes_requested_can_be_closed_and_review_can_be_withdrawn(operator):
    stale = VendorFactory(status=S.CHANGES_REQUESTED)
    services.vendor_action(vendor_id=stale.pk, action="reject", actor=operator, reason="3개월 동안 보완이 없었습니다")
    reviewing = VendorFactory(status=S.UNDER_REVIEW)
    owner = MembershipFactory(vendor=reviewing).user
    services.vendor_action(vendor_id=reviewing.pk, action="withdraw", actor=owner)
    stale.refresh_from_db()
    reviewing.refresh_from_db()
    assert (stale.status, reviewing.status) == (S.REJECTED, S.WITHDRAWN)


def test_corrected_certification_date_clears_the_expired_mark():
    vendor = certified(100, cert_expired=True)
    services.vendor_certifications_check()
    vendor.refresh_from_db()
    assert not vendor.cert_expired


# --- the commission rate -------------------------------------------------------------------------------


def test_setting_the_commission_rate_records_who_set_which_rate_when(operator):
    vendor = VendorFactory(name="처음 이름")
    vendor.name = "저장하지 않은 이름"  # the service reads the row itself
    change = services.vendor_commission_rate_set(vendor_id=vendor.pk, rate=Decimal("8.5"), actor=operator)
    stored = Vendor.objects.get(pk=vendor.pk)
    assert (stored.commission_rate, stored.name) == (Decimal("8.50"), "처음 이름")
    change.refresh_from_db()
    assert (change.vendor, change.rate, change.changed_by) == (stored, Decimal("8.50"), operator)
    assert timezone.now() - change.changed_at < timedelta(minutes=1)
    services.vendor_commission_rate_set(vendor_id=vendor.pk, rate=Decimal("9"), actor=operator)
    assert list(CommissionRateChange.objects.filter(vendor=vendor).values_list("rate", flat=True)) == [
        Decimal("9.00"), Decimal("8.50")]  # newest first
    assert Vendor.objects.get(pk=vendor.pk).commission_rate == Decimal("9.00")


def test_every_task_is_registered_as_app_dot_function_name():
    """Services queue tasks by these names (ddasum.jobs); a worker finds them under the same ones."""
    named = {name: task.name for name, task in vars(vendors_tasks).items() if isinstance(task, Task)}
    expected = (
        "vendor_status_notify_task",
        "vendor_certifications_check_task",
        "vendor_renewal_requested_notify_task",
        "vendor_renewal_decided_notify_task",
        "vendor_warning_notify_task",
        "vendor_performance_refresh_task",
    )
    assert named == {name: f"vendors.{name}" for name in expected}
