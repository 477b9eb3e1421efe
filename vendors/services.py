"""Every write about vendors: the application, its documents, review, certification, and their notices."""
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import absolute_url, notification_create
from ddasum import jobs, page_cache
from ddasum.transitions import StateMachine
from ddasum.uploads import JPEG, PDF, PNG, CleanUpload, upload_clean
from notifications.services import Recipient, notify

from .exceptions import ApplicationIncomplete, InvalidTransition, NotAllowed
from .models import (
    CERTIFIED_TYPES,
    IMAGE_ONLY_DOCUMENTS,
    REQUIRED_DOCUMENTS,
    CertificationRenewal,
    CommissionRateChange,
    DocumentKind,
    DocumentRead,
    ExitSuggestion,
    MembershipRole,
    RenewalStatus,
    SanctionKind,
    Vendor,
    VendorDocument,
    VendorMembership,
    VendorSanction,
    VendorSocialFact,
    VendorStatus,
    VendorStatusEvent,
    document_label,
)
from .selectors import DocumentGrant, user_is_vendor_member

logger = logging.getLogger(__name__)
S = VendorStatus

# The one transition table of the vendor's life.
ALLOWED_TRANSITIONS: dict[str, frozenset] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.CHANGES_REQUESTED, S.REJECTED, S.WITHDRAWN}),
    S.UNDER_REVIEW: frozenset({S.APPROVED, S.CHANGES_REQUESTED, S.REJECTED, S.WITHDRAWN}),
    # An application left unanswered after a request for changes can be closed (rejected).
    S.CHANGES_REQUESTED: frozenset({S.SUBMITTED, S.REJECTED, S.WITHDRAWN}),
    S.REJECTED: frozenset(),
    S.APPROVED: frozenset({S.SUSPENDED, S.WITHDRAWN, S.TERMINATED}),
    S.SUSPENDED: frozenset({S.APPROVED, S.WITHDRAWN, S.TERMINATED}),
    S.WITHDRAWN: frozenset(),
    S.TERMINATED: frozenset(),
}

VENDOR_MACHINE = StateMachine(
    transitions=ALLOWED_TRANSITIONS, choices=VendorStatus, error=InvalidTransition,
    refusal=gettext_lazy("'%(from)s' 상태에서는 '%(to)s'(으)로 바꿀 수 없습니다."),
    stamps={S.SUBMITTED: "submitted_at", S.APPROVED: "approved_at"}, stamp_every=("status_changed_at",),
    keep_first=("approved_at",), event_model=VendorStatusEvent, event_fk="vendor",
)

OPERATOR, OWNER = "operator", "owner"


@dataclass(frozen=True)
class Action:
    to: str
    by: str  # who may take it: OPERATOR or OWNER
    reason_required: bool = False


# The named actions of the review and their rules; views and the admin offer these.
ACTIONS: dict[str, Action] = {
    "submit": Action(S.SUBMITTED, OWNER),
    "start_review": Action(S.UNDER_REVIEW, OPERATOR),
    "approve": Action(S.APPROVED, OPERATOR),
    "request_changes": Action(S.CHANGES_REQUESTED, OPERATOR, reason_required=True),
    "reject": Action(S.REJECTED, OPERATOR, reason_required=True),
    "suspend": Action(S.SUSPENDED, OPERATOR, reason_required=True),
    "reinstate": Action(S.APPROVED, OPERATOR),
    "withdraw": Action(S.WITHDRAWN, OWNER),
}


def vendor_actions_available(*, vendor: Vendor, user) -> list[str]:
    """The action names `user` may take on `vendor` now (for buttons)."""
    names = []
    for name, action in ACTIONS.items():
        if not VENDOR_MACHINE.allows(vendor.status, action.to):
            continue
        if name == "reinstate" and vendor.status != S.SUSPENDED:
            continue
        if name == "approve" and vendor.status == S.SUSPENDED:
            continue
        if _actor_may(user, vendor, action):
            names.append(name)
    return names


def _actor_may(user, vendor: Vendor, action: Action) -> bool:
    if action.by == OPERATOR:
        return bool(user and user.is_active and user.is_staff)
    return user_is_vendor_member(user, vendor.pk, owner_only=True)


def _transition(vendor: Vendor, to: str, *, actor, reason: str = "") -> VendorStatusEvent:
    """Check the table, save the status, write the event row, notify after commit."""
    event = VENDOR_MACHINE.move(vendor, to, actor=actor, reason=reason)
    jobs.after_commit("vendors.vendor_status_notify_task", event_id=event.pk)
    return event


@transaction.atomic
def vendor_action(*, vendor_id: int, action: str, actor: User, reason: str = "") -> Vendor:
    """Take a named review action (submit, approve, reject …) on a vendor."""
    rule = ACTIONS[action]
    vendor = Vendor.objects.select_for_update().get(pk=vendor_id)
    if not _actor_may(actor, vendor, rule):
        raise NotAllowed(_("이 작업을 할 권한이 없습니다."))
    reason = (reason or "").strip()
    if rule.reason_required and not reason:
        raise ApplicationIncomplete(_("사유를 입력해 주세요."))
    if action == "reinstate" and vendor.status != S.SUSPENDED:
        raise InvalidTransition(_("판매 정지된 기업만 재개할 수 있습니다."))
    if action == "submit":
        vendor_application_check(vendor=vendor)
    event = _transition(vendor, rule.to, actor=actor, reason=reason)
    if action in _ACTION_SANCTIONS:  # suspending and reinstating are exit-rule actions too
        VendorSanction.objects.create(vendor=vendor, kind=_ACTION_SANCTIONS[action], reason=reason, actor=actor,
                                      status_event=event, created_at=event.created_at)
    return vendor


# --- exit rules (issue 14) ---------------------------------------------------------------------

_ACTION_SANCTIONS = {"suspend": SanctionKind.SUSPENSION, "reinstate": SanctionKind.LIFT}
# What each exit-rule action does to the status (a warning leaves it as it is).
SANCTION_TARGETS = {
    SanctionKind.WARNING: None,
    SanctionKind.SUSPENSION: S.SUSPENDED,
    SanctionKind.LIFT: S.APPROVED,
    SanctionKind.TERMINATION: S.TERMINATED,
}
# From which statuses each exit-rule action may be taken.
SANCTION_FROM = {
    SanctionKind.WARNING: frozenset({S.APPROVED, S.SUSPENDED}),
    SanctionKind.SUSPENSION: frozenset({S.APPROVED}),
    SanctionKind.LIFT: frozenset({S.SUSPENDED}),
    SanctionKind.TERMINATION: frozenset({S.APPROVED, S.SUSPENDED}),
}

# Steps of a termination that belong to later apps, run in its transaction:
# `step(*, vendor_id, actor)`. orders registers the settlement of what the vendor is owed.
_termination_steps: list = []


def vendor_termination_step_register(step):
    """Add a step run when a vendor is terminated; later apps call this from their AppConfig.ready()."""
    if step not in _termination_steps:
        _termination_steps.append(step)
    return step


def vendor_sanctions_available(*, vendor: Vendor, user) -> list[str]:
    """The exit-rule actions `user` may take on `vendor` now (operators only)."""
    if not (user and user.is_active and user.is_staff):
        return []
    return [kind for kind in SanctionKind.values if vendor.status in SANCTION_FROM[kind]]


@transaction.atomic
def vendor_sanction_apply(*, vendor_id: int, kind: str, actor: User, reason: str,
                          suggestion_id: int | None = None) -> VendorSanction:
    """Take an exit-rule action (warning, suspension, lifting it, termination) with its reason.

    Suspension hides the products (Vendor.objects.selling() leaves it out) while orders in
    progress still ship and refund; termination also builds the settlement of what is owed
    (the registered steps) and leaves the members reading and finishing orders only. A
    suggestion acted on is closed with the action.
    """
    if not (actor and actor.is_active and actor.is_staff):
        raise NotAllowed(_("운영자만 할 수 있습니다."))
    if kind not in SANCTION_TARGETS:
        raise InvalidTransition(_("알 수 없는 조치입니다."))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationIncomplete(_("사유를 입력해 주세요."))
    vendor = Vendor.objects.select_for_update().get(pk=vendor_id)
    if vendor.status not in SANCTION_FROM[kind]:
        raise InvalidTransition(
            _("'%(status)s' 상태의 기업에는 '%(kind)s' 조치를 할 수 없습니다.")
            % {"status": vendor.get_status_display(), "kind": SanctionKind(kind).label})
    target = SANCTION_TARGETS[kind]
    event = _transition(vendor, target, actor=actor, reason=reason) if target else None
    sanction = VendorSanction.objects.create(vendor=vendor, kind=kind, reason=reason, actor=actor, status_event=event,
                                             created_at=event.created_at if event else timezone.now())
    if kind == SanctionKind.TERMINATION:
        for step in _termination_steps:
            step(vendor_id=vendor.pk, actor=actor)
    if suggestion_id is not None:
        ExitSuggestion.objects.filter(pk=suggestion_id, vendor=vendor, closed_at__isnull=True).update(
            closed_at=sanction.created_at, closed_by=actor, sanction=sanction)
    if kind == SanctionKind.WARNING:
        jobs.after_commit("vendors.vendor_warning_notify_task", sanction_id=sanction.pk)
    logger.info("vendor %s: %s by %s", vendor.pk, kind, actor.pk)
    return sanction


@transaction.atomic
def exit_suggestion_dismiss(*, suggestion_id: int, actor: User, reason: str = "") -> ExitSuggestion:
    """Close a suggestion without acting on it (the reason is kept). Dismissing it again changes nothing."""
    if not (actor and actor.is_active and actor.is_staff):
        raise NotAllowed(_("운영자만 할 수 있습니다."))
    suggestion = ExitSuggestion.objects.select_for_update().get(pk=suggestion_id)
    if suggestion.closed_at is None:
        suggestion.closed_at, suggestion.closed_by = timezone.now(), actor
        suggestion.dismiss_reason = (reason or "").strip()
        suggestion.save(update_fields=["closed_at", "closed_by", "dismiss_reason"])
    return suggestion


def vendor_warning_notify(*, sanction_id: int) -> int:
    """Tell the vendor's owners about a warning and its reason, once."""
    sanction = VendorSanction.objects.select_related("vendor").get(pk=sanction_id)
    body = _("%(name)s에 운영자의 경고가 있었습니다.") % {"name": sanction.vendor.name}
    body += "\n" + _("사유: %(reason)s") % {"reason": sanction.reason}
    return vendor_notify(sanction.vendor, title=_("운영자의 경고가 있습니다"), body=body,
                         url=reverse("partner:vendors_vendor_change", args=[sanction.vendor_id]),
                         key=f"vendor-sanction:{sanction.pk}")


def vendor_application_missing(*, vendor: Vendor) -> list[str]:
    """Name what the application still lacks (fields for its type, then documents)."""
    missing = []
    if vendor.enterprise_type in CERTIFIED_TYPES:
        if not vendor.cert_number:
            missing.append(str(_("인증(지정) 번호")))
        if not vendor.cert_valid_until:
            missing.append(str(_("인증 유효기간 만료일")))
    if not (vendor.bank_name and vendor.bank_account_number and vendor.bank_account_holder):
        missing.append(str(_("정산 계좌(은행, 계좌번호, 예금주)")))
    have = set(vendor.documents.values_list("kind", flat=True))
    for kind in REQUIRED_DOCUMENTS[vendor.enterprise_type]:
        if kind not in have:
            missing.append(str(document_label(kind, vendor.enterprise_type)))
    return missing


def vendor_application_check(*, vendor: Vendor) -> None:
    missing = vendor_application_missing(vendor=vendor)
    if missing:
        raise ApplicationIncomplete(
            _("다음 항목이 빠져 있어 제출할 수 없습니다: %(items)s") % {"items": ", ".join(missing)}
        )
    if vendor.enterprise_type in CERTIFIED_TYPES and vendor.cert_valid_until < timezone.localdate():
        raise ApplicationIncomplete(_("인증 유효기간이 지났습니다. 갱신된 인증서로 신청해 주세요."))


# Fields the applicant fills in; the operator alone sets commission and status.
APPLICATION_FIELDS = (
    "name", "business_number", "representative", "enterprise_type", "cert_number", "cert_valid_until",
    "mail_order_number", "region", "postal_code", "address", "address_detail", "phone", "email", "business_type",
    "business_item", "mission", "website", "bank_name", "bank_account_number", "bank_account_holder",
)


@transaction.atomic
def vendor_application_create(*, user: User, data: dict) -> Vendor:
    """Start an application as a draft; the applicant becomes its owner."""
    vendor = Vendor(created_by=user, status=S.DRAFT, **{k: v for k, v in data.items() if k in APPLICATION_FIELDS})
    vendor.full_clean()
    vendor.save()
    VendorMembership.objects.create(user=user, vendor=vendor, role=MembershipRole.OWNER)
    VendorStatusEvent.objects.create(vendor=vendor, actor=user, from_status="", to_status=S.DRAFT)
    return vendor


@transaction.atomic
def vendor_application_update(*, vendor_id: int, user: User, data: dict) -> Vendor:
    vendor = Vendor.objects.select_for_update().get(pk=vendor_id)
    if not user_is_vendor_member(user, vendor.pk, owner_only=True):
        raise NotAllowed(_("이 신청서를 고칠 권한이 없습니다."))
    if not vendor.is_editable:
        raise InvalidTransition(_("제출한 신청서는 심사가 끝날 때까지 고칠 수 없습니다."))
    for key, value in data.items():
        if key in APPLICATION_FIELDS:
            setattr(vendor, key, value)
    vendor.full_clean()
    vendor.save()
    return vendor


@transaction.atomic
def vendor_commission_rate_set(*, vendor_id: int, rate: Decimal, actor: User) -> CommissionRateChange:
    """Set the vendor's commission rate and record who set it when (the history the rate lacks).

    Orders copy the rate in force when they are placed, so what was already sold keeps its rate.
    """
    vendor = Vendor.objects.select_for_update().get(pk=vendor_id)
    vendor.commission_rate = rate
    vendor.save(update_fields=["commission_rate", "updated_at"])
    return CommissionRateChange.objects.create(vendor=vendor, rate=rate, changed_by=actor)


def document_allowed_kinds(kind: str) -> tuple:
    return (JPEG, PNG) if kind in IMAGE_ONLY_DOCUMENTS else (PDF, JPEG, PNG)


@transaction.atomic
def vendor_document_add(*, vendor_id: int, kind: str, upload, user: User, for_renewal: bool = False) -> VendorDocument:
    """Check `upload` by content, store a clean copy privately and record it.

    `upload` is a raw uploaded file, or a CleanUpload a form has already checked.
    """
    vendor = Vendor.objects.select_for_update().get(pk=vendor_id)
    if not (user.is_staff or user_is_vendor_member(user, vendor.pk, owner_only=True)):
        raise NotAllowed(_("이 기업의 서류를 올릴 권한이 없습니다."))
    if not (vendor.is_editable or for_renewal or user.is_staff):
        raise InvalidTransition(_("제출한 신청서의 서류는 심사가 끝날 때까지 바꿀 수 없습니다."))
    DocumentKind(kind)
    allowed = document_allowed_kinds(kind)
    clean = upload if isinstance(upload, CleanUpload) else upload_clean(upload, allowed=allowed)
    if clean.kind not in allowed:
        raise ApplicationIncomplete(_("이 서류는 JPEG·PNG 이미지로 올려 주세요."))
    document = VendorDocument(
        vendor=vendor,
        kind=kind,
        original_name=clean.original_name,
        content_type=clean.content_type,
        size=clean.size,
        sha256=clean.sha256,
        uploaded_by=user,
    )
    document.file.save(clean.content.name, clean.content, save=False)
    document.save()
    return document


# --- who read which document ------------------------------------------------------------


def _client_ip(request) -> str | None:
    # REMOTE_ADDR, as Django and django-axes read it (behind a proxy, the proxy passes it on).
    return (request.META.get("REMOTE_ADDR") or None) if request is not None else None


def _from_page(request) -> str:
    """The path of this site's page the read came from (the Referer), "" when unknown or another site's."""
    if request is None:
        return ""
    referer = urlsplit(request.headers.get("Referer", ""))
    if not referer.path or referer.netloc != request.get_host():
        return ""
    return referer.path[:200]


def document_reads_record(*, reader: User, documents, grant: DocumentGrant, channel: str,
                          request=None) -> list[DocumentRead]:
    """Append one DocumentRead per document `reader` is handed (a page, a download, each file of a bundle)."""
    ip, page = _client_ip(request), _from_page(request)
    rows = [
        DocumentRead(
            vendor_id=document.vendor_id, document=document, kind=document.kind,
            document_name=document.original_name[:200], document_sha256=document.sha256,
            reader=reader, reader_name=reader.name[:50], reader_email=reader.email, role=grant.role, context=(grant.context or "")[:200],
            channel=channel, reference=(grant.reference or "")[:100], page=page, ip_address=ip,
        )
        for document in documents
    ]
    return DocumentRead.objects.bulk_create(rows) if rows else []


# --- certification --------------------------------------------------------------------


@transaction.atomic
def vendor_certification_renewal_request(
    *, vendor_id: int, user: User, cert_number: str, valid_until: date, upload
) -> CertificationRenewal:
    """The vendor sends its renewed certificate; the operator confirms it later."""
    vendor = Vendor.objects.select_for_update().get(pk=vendor_id)
    if not user_is_vendor_member(user, vendor.pk, owner_only=True):
        raise NotAllowed(_("이 기업의 인증을 갱신할 권한이 없습니다."))
    if not vendor.is_certified_type:
        raise InvalidTransition(_("인증 기간이 있는 기업 유형이 아닙니다."))
    if valid_until <= timezone.localdate():
        raise ApplicationIncomplete(_("새 유효기간 만료일은 오늘 이후여야 합니다."))
    if vendor.renewals.filter(status=RenewalStatus.PENDING).exists():
        raise InvalidTransition(_("확인을 기다리는 갱신 신청이 이미 있습니다."))
    document = vendor_document_add(
        vendor_id=vendor.pk, kind=DocumentKind.ENTERPRISE_PROOF, upload=upload, user=user, for_renewal=True
    )
    renewal = CertificationRenewal.objects.create(
        vendor=vendor, document=document, cert_number=cert_number.strip(), valid_until=valid_until,
        requested_by=user,
    )
    jobs.after_commit("vendors.vendor_renewal_requested_notify_task", renewal_id=renewal.pk)
    return renewal


@transaction.atomic
def vendor_certification_renewal_decide(*, renewal_id: int, actor: User, confirm: bool, reason: str = "") -> CertificationRenewal:
    """Confirm (the vendor is back in the shop) or reject a renewal."""
    if not actor.is_staff:
        raise NotAllowed(_("운영자만 인증 갱신을 확인할 수 있습니다."))
    renewal = CertificationRenewal.objects.select_for_update().get(pk=renewal_id)
    if renewal.status != RenewalStatus.PENDING:
        raise InvalidTransition(_("이미 처리된 갱신 신청입니다."))
    if not confirm and not reason.strip():
        raise ApplicationIncomplete(_("반려 사유를 입력해 주세요."))
    renewal.status = RenewalStatus.CONFIRMED if confirm else RenewalStatus.REJECTED
    renewal.decided_by = actor
    renewal.decided_at = timezone.now()
    renewal.reason = reason.strip()
    renewal.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    if confirm:
        vendor = Vendor.objects.select_for_update().get(pk=renewal.vendor_id)
        vendor.cert_number = renewal.cert_number
        vendor.cert_valid_until = renewal.valid_until
        vendor.cert_expired = False
        vendor.save(update_fields=["cert_number", "cert_valid_until", "cert_expired", "updated_at"])
    jobs.after_commit("vendors.vendor_renewal_decided_notify_task", renewal_id=renewal.pk)
    return renewal


def vendor_notify(
    vendor: Vendor, *, title: str, body: str, url: str, key: str, email: bool = True, owners_only: bool = True,
    kind: str = "vendor_notice", variables: dict | None = None,
) -> int:
    """Notify the vendor's owners (or all members) through `notify` (in the app, by mail, and by
    알림톡/SMS where the kind has a template), once per `key` and member.

    Returns how many people were newly notified; later apps call it for their own notices.
    """
    sent = 0
    members = User.objects.filter(vendor_memberships__vendor=vendor, is_active=True)
    if owners_only:
        members = members.filter(vendor_memberships__role=MembershipRole.OWNER)
    context = {"title": title, "body": body, "url": url,
               "email_body": f"{body}\n\n{absolute_url(url)}" if url else body,
               "variables": {"판매기업": vendor.name, **(variables or {})}}
    for user in members.distinct().order_by("pk"):
        recipient = Recipient.member(user) if email else Recipient(user=user, phone=user.phone, name=user.name)
        sent += notify(kind, recipient, context, f"{key}:u{user.pk}")
    return sent


# What the applicant is told for each status it lands in (statuses not here notify no one).
_STATUS_MESSAGES = {
    VendorStatus.UNDER_REVIEW: (gettext_lazy("입점 심사를 시작했습니다"), gettext_lazy("%(name)s의 입점 신청을 심사하고 있습니다.")),
    VendorStatus.APPROVED: (gettext_lazy("입점이 승인되었습니다"), gettext_lazy("%(name)s의 입점이 승인되었습니다. 입점기업 관리자에서 상품을 등록해 주세요.")),
    VendorStatus.CHANGES_REQUESTED: (gettext_lazy("입점 신청 보완을 요청드립니다"), gettext_lazy("%(name)s의 입점 신청에 보완이 필요합니다.")),
    VendorStatus.REJECTED: (gettext_lazy("입점 신청이 반려되었습니다"), gettext_lazy("%(name)s의 입점 신청이 반려되었습니다.")),
    VendorStatus.SUSPENDED: (gettext_lazy("판매가 정지되었습니다"), gettext_lazy("%(name)s의 판매가 정지되었습니다.")),
    VendorStatus.TERMINATED: (gettext_lazy("퇴점 처리되었습니다"),
                              gettext_lazy("%(name)s이(가) 퇴점 처리되었습니다. 진행 중인 주문은 끝까지 처리해 주세요.")),
}


def vendor_status_notify(*, event_id: int) -> int:
    """Tell the vendor's owners about a status change, once per event."""
    with transaction.atomic():
        event = VendorStatusEvent.objects.select_for_update().select_related("vendor").get(pk=event_id)
        if event.notified_at:
            return 0
        message = _STATUS_MESSAGES.get(event.to_status)
        if event.to_status == VendorStatus.APPROVED and event.from_status == VendorStatus.SUSPENDED:
            message = (_("판매가 재개되었습니다"), _("%(name)s의 판매가 재개되었습니다."))
        sent = 0
        if message:
            title, body = message
            body = body % {"name": event.vendor.name}
            if event.reason:
                body += "\n" + _("사유: %(reason)s") % {"reason": event.reason}
            sent = vendor_notify(
                event.vendor, title=title, body=body,
                url=reverse("vendors:application", args=[event.vendor_id]), key=f"vendor-event:{event.pk}",
            )
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
    logger.info("vendor %s event %s: %s notified", event.vendor_id, event.pk, sent)
    return sent


def vendor_renewal_requested_notify(*, renewal_id: int) -> int:
    """Tell the operators a renewed certificate waits for them."""
    renewal = CertificationRenewal.objects.select_related("vendor").get(pk=renewal_id)
    url = reverse("admin:vendors_certificationrenewal_change", args=[renewal.pk])
    count = 0
    for operator in User.objects.filter(is_staff=True, is_active=True):
        notification_create(
            user=operator, title=_("인증 갱신 확인 요청: %(name)s") % {"name": renewal.vendor.name},
            url=url, key=f"renewal-requested:{renewal.pk}:u{operator.pk}",
        )
        count += 1
    return count


def vendor_renewal_decided_notify(*, renewal_id: int) -> int:
    """Tell the vendor's owners the operator confirmed or rejected its renewal."""
    renewal = CertificationRenewal.objects.select_related("vendor").get(pk=renewal_id)
    if renewal.status == RenewalStatus.CONFIRMED:
        title = _("인증 갱신이 확인되었습니다")
        body = _("새 인증 유효기간 만료일(%(date)s)이 반영되었습니다.") % {"date": renewal.valid_until}
    else:
        title = _("인증 갱신이 반려되었습니다")
        body = _("사유: %(reason)s") % {"reason": renewal.reason}
    return vendor_notify(
        renewal.vendor, title=title, body=body, url=reverse("vendors:renewal", args=[renewal.vendor_id]),
        key=f"renewal-decided:{renewal.pk}",
    )


def vendor_certifications_check(*, today: date | None = None) -> dict:
    """Remind vendors 30 and 7 days before their certification ends; mark lapsed ones.

    Safe to run any number of times a day: each reminder has a key and is sent once, and a
    day the beat missed is caught up by the smallest threshold still ahead.
    """
    today = today or timezone.localdate()
    thresholds = sorted(settings.CERTIFICATION_REMINDER_DAYS)
    reminded = expired = 0
    horizon = today + timezone.timedelta(days=max(thresholds))
    candidates = Vendor.objects.filter(
        status__in=[S.APPROVED, S.SUSPENDED], enterprise_type__in=CERTIFIED_TYPES,
        cert_valid_until__isnull=False, cert_valid_until__lte=horizon,
    )
    # A certification whose date was corrected (or renewed in the admin) is valid again.
    if Vendor.objects.filter(cert_expired=True, cert_valid_until__gte=today).update(cert_expired=False):
        page_cache.version_bump()
    for vendor in candidates:
        days_left = (vendor.cert_valid_until - today).days
        url = reverse("vendors:renewal", args=[vendor.pk])
        if days_left < 0:
            with transaction.atomic():
                locked = Vendor.objects.select_for_update().get(pk=vendor.pk)
                if not locked.cert_expired:
                    locked.cert_expired = True
                    locked.save(update_fields=["cert_expired", "updated_at"])
                    expired += 1
            vendor_notify(
                vendor,
                title=_("인증 기간이 끝나 상품 판매가 중지되었습니다"),
                body=_("%(name)s의 인증이 %(date)s에 만료되었습니다. 갱신된 인증서를 올려 주시면 확인 후 판매가 재개됩니다.")
                % {"name": vendor.name, "date": vendor.cert_valid_until},
                url=url,
                key=f"cert-expired:{vendor.pk}:{vendor.cert_valid_until}",
            )
            continue
        threshold = next((d for d in thresholds if days_left <= d), None)
        if threshold is None:
            continue
        reminded += vendor_notify(
            vendor,
            title=_("인증 만료 %(days)s일 전입니다") % {"days": days_left},
            body=_("%(name)s의 인증이 %(date)s에 만료됩니다. 만료 전에 갱신된 인증서를 올려 주세요.")
            % {"name": vendor.name, "date": vendor.cert_valid_until},
            url=url,
            key=f"cert-reminder:{vendor.pk}:{vendor.cert_valid_until}:{threshold}",
        )
    return {"reminded": reminded, "expired": expired}


# --- social-value facts ---------------------------------------------------------------


def _social_fact_locked(fact_id: int, actor: User):
    if not (actor and actor.is_active and actor.is_staff):
        raise NotAllowed(_("운영자만 사회적 가치 정보를 확인할 수 있습니다."))
    return VendorSocialFact.objects.select_for_update().get(pk=fact_id)


@transaction.atomic
def vendor_social_fact_verify(*, fact_id: int, actor: User):
    """The operator confirms a vendor's social-value fact; from then on consumers see it."""
    fact = _social_fact_locked(fact_id, actor)
    if fact.verified_at is None:
        fact.verified_by = actor
        fact.verified_at = timezone.now()
        fact.save(update_fields=["verified_by", "verified_at"])
    return fact


@transaction.atomic
def vendor_social_fact_unverify(*, fact_id: int, actor: User):
    """The operator takes a fact off the vendor's public page until it is checked again."""
    fact = _social_fact_locked(fact_id, actor)
    if fact.verified_at is not None:
        fact.verified_by = None
        fact.verified_at = None
        fact.save(update_fields=["verified_by", "verified_at"])
    return fact
