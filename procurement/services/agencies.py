"""Agency accounts: a buyer joins or requests an agency, the operator (or the agency's mail domain) confirms.

The auto-acceptance rule (the issue asks to say what was chosen): a membership of a
*verified* agency is accepted without the operator when the user's address is on exactly the
agency's own mail domain (kim@chungnam.go.kr for chungnam.go.kr, not @mail.chungnam.go.kr nor
@chungnam.go.kr.evil.com), and that domain is a subdomain of an official suffix in
settings.PROCUREMENT_OFFICIAL_DOMAINS (default: go.kr). Because sign-up does not prove that
the address belongs to the person, the acceptance waits for one click on a signed link
mailed to that address (valid CONFIRM_MAX_AGE); everything else waits for the operator.

Until a membership is active (and its agency verified) the buyer may browse but not ask for
quotes (procurement.services.quotes raises NotVerified).
"""
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum import jobs
from ddasum.transitions import StateMachine
from ddasum.validators import normalize_business_number, normalize_phone

from ..exceptions import InvalidTransition, NotAllowed, ProcurementError
from ..models import (
    AgencyEvent,
    AgencyMembership,
    AgencyMembershipEvent,
    AgencyRole,
    AgencyStatus,
    MembershipStatus,
    PublicAgency,
)

A, M = AgencyStatus, MembershipStatus

# The one transition table of an agency and of a membership.
AGENCY_TRANSITIONS: dict[str, frozenset] = {
    A.PENDING: frozenset({A.VERIFIED, A.REJECTED}),
    A.VERIFIED: frozenset({A.REJECTED}),
    A.REJECTED: frozenset(),
}
MEMBERSHIP_TRANSITIONS: dict[str, frozenset] = {
    M.PENDING: frozenset({M.ACTIVE, M.REJECTED}),
    M.ACTIVE: frozenset({M.REJECTED}),
    M.REJECTED: frozenset({M.PENDING, M.ACTIVE}),
}

_REFUSAL = gettext_lazy("'%(from)s' 상태에서는 '%(to)s'(으)로 바꿀 수 없습니다.")
AGENCY_MACHINE = StateMachine(
    transitions=AGENCY_TRANSITIONS, choices=AgencyStatus, error=InvalidTransition, refusal=_REFUSAL,
    stamps={A.VERIFIED: "verified_at"}, event_model=AgencyEvent, event_fk="agency",
)
MEMBERSHIP_MACHINE = StateMachine(
    transitions=MEMBERSHIP_TRANSITIONS, choices=MembershipStatus, error=InvalidTransition, refusal=_REFUSAL,
    stamps={M.ACTIVE: "verified_at"}, event_model=AgencyMembershipEvent, event_fk="membership",
)

CONFIRM_SALT = "procurement.agency-mail-confirm"
CONFIRM_MAX_AGE = 60 * 60 * 24 * 7
# A second confirmation mail for the same membership within this time is not sent.
CONFIRM_MAIL_GAP_SECONDS = 5 * 60
AGENCY_FIELDS = ("name", "kind", "registration_number", "region", "postal_code", "address", "address_detail",
                 "phone", "email_domain")


# --- rules -------------------------------------------------------------------------------


def _domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower().rstrip(".") if "@" in (email or "") else ""


def _clean_domain(domain: str) -> str:
    return (domain or "").strip().lower().lstrip("@").rstrip(".")


def domain_auto_accepts(email: str, agency: PublicAgency) -> bool:
    """True when `email` is on exactly the verified agency's official mail domain."""
    if agency.status != A.VERIFIED:
        return False
    agency_domain = _clean_domain(agency.email_domain)
    domain = _domain_of(email)
    if not agency_domain or domain != agency_domain:
        return False
    suffixes = [_clean_domain(s).lstrip(".") for s in settings.PROCUREMENT_OFFICIAL_DOMAINS]
    return any(s and domain.endswith("." + s) for s in suffixes)


def _membership_transition(membership: AgencyMembership, to: str, *, actor=None, via: str = "",
                           reason: str = "") -> AgencyMembershipEvent:
    MEMBERSHIP_MACHINE.check(membership, to)
    fields = []
    if to == M.ACTIVE:
        membership.verified_by, membership.verified_via = actor, via
        membership.reject_reason = ""
        fields += ["verified_by", "verified_via", "reject_reason"]
    elif to == M.REJECTED:
        membership.reject_reason = reason
        fields.append("reject_reason")
    elif to == M.PENDING:
        membership.reject_reason, membership.verified_via = "", ""
        fields += ["reject_reason", "verified_via"]
    event = MEMBERSHIP_MACHINE.move(membership, to, actor=actor, reason=reason, fields=fields)
    if to in (M.ACTIVE, M.REJECTED):
        # The stamp names this decision: a retried task sends nothing twice, a later decision is new.
        jobs.after_commit("procurement.membership_decided_notify_task", membership_id=membership.pk, status=to,
                          stamp=int(timezone.now().timestamp() * 1000))
    return event


def _agency_transition(agency: PublicAgency, to: str, *, actor, reason: str = "") -> AgencyEvent:
    AGENCY_MACHINE.check(agency, to)
    fields = []
    if to == A.VERIFIED:
        agency.verified_by = actor
        fields.append("verified_by")
    return AGENCY_MACHINE.move(agency, to, actor=actor, reason=reason, fields=fields)


def _require_operator(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and actor.is_staff):
        raise NotAllowed(_("운영자만 처리할 수 있습니다."))


# --- services ------------------------------------------------------------------------------


def _agency_request(*, user, data: dict) -> PublicAgency:
    """The live agency with this 고유번호 (claimed), or a new pending one from `data`."""
    values = {name: (data.get(name) or "") for name in AGENCY_FIELDS}
    values["registration_number"] = normalize_business_number(values["registration_number"])
    if values["phone"]:
        values["phone"] = normalize_phone(values["phone"])
    values["email_domain"] = _clean_domain(values["email_domain"])
    existing = (PublicAgency.objects.select_for_update()
                .filter(registration_number=values["registration_number"])
                .exclude(status=A.REJECTED).first())
    if existing is not None:
        return existing
    agency = PublicAgency(**values, status=A.PENDING, created_by=user)
    try:
        agency.full_clean(exclude=["status", "verified_at", "verified_by", "created_by", "created_at"])
    except ValidationError as exc:
        raise ProcurementError(" ".join(str(m) for m in exc.messages)) from exc
    agency.save()
    return agency


@transaction.atomic
def agency_join(*, user, agency_id: int | None = None, agency_data: dict | None = None, role: str = AgencyRole.BUYER,
                department: str = "", note: str = "") -> AgencyMembership:
    """Ask to join a verified agency, or request a new one (pending); the membership says what happens next.

    A membership that qualifies by its mail domain stays pending until the link mailed to the
    user is opened (agency_email_confirm); otherwise the operator decides.
    """
    if not (user and user.is_authenticated and user.is_active):
        raise NotAllowed(_("로그인한 회원만 기관 가입을 요청할 수 있습니다."))
    if (agency_id is None) == (agency_data is None):
        raise ProcurementError(_("가입할 기관을 고르거나 새 기관 정보를 입력해 주세요."))
    if role not in AgencyRole.values:
        raise ProcurementError(_("역할을 확인해 주세요."))
    if agency_data is not None:
        agency = _agency_request(user=user, data=agency_data)
    else:
        agency = PublicAgency.objects.filter(pk=agency_id, status=A.VERIFIED).first()
        if agency is None:
            raise ProcurementError(_("확인된 기관만 고를 수 있습니다. 목록에 없으면 새 기관으로 등록을 요청해 주세요."))
    membership = AgencyMembership.objects.select_for_update().filter(user=user, agency=agency).first()
    if membership is not None and membership.status == M.ACTIVE:
        return membership
    if membership is None:
        membership = AgencyMembership.objects.create(user=user, agency=agency, role=role, status=M.PENDING,
                                                     department=department[:50], request_note=note)
    else:
        if membership.status == M.REJECTED:
            _membership_transition(membership, M.PENDING, actor=user)
        membership.role, membership.department, membership.request_note = role, department[:50], note
        membership.save(update_fields=["role", "department", "request_note"])
    if domain_auto_accepts(user.email, agency):
        jobs.after_commit("procurement.agency_confirm_mail_task", membership_id=membership.pk)
    return membership


def membership_confirm_token(membership: AgencyMembership) -> str:
    return signing.dumps({"m": membership.pk, "e": membership.user.email.lower()}, salt=CONFIRM_SALT)


@transaction.atomic
def agency_email_confirm(*, user, token: str) -> AgencyMembership:
    """The user opened the link mailed to the agency address: accept the membership (verified_via "domain")."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature as exc:
        raise ProcurementError(_("확인 링크가 만료되었거나 올바르지 않습니다. 기관 가입을 다시 요청해 주세요.")) from exc
    membership = (AgencyMembership.objects.select_for_update().select_related("agency", "user")
                  .filter(pk=data.get("m"), user=user).first())
    if membership is None or user.email.lower() != data.get("e"):
        raise ProcurementError(_("이 확인 링크는 지금 로그인한 계정의 것이 아닙니다."))
    if membership.status == M.ACTIVE:
        return membership
    if membership.status != M.PENDING or not domain_auto_accepts(user.email, membership.agency):
        raise ProcurementError(_("이 가입 요청은 메일 확인으로 처리할 수 없습니다. 운영자 확인을 기다려 주세요."))
    _membership_transition(membership, M.ACTIVE, actor=user, via="domain")
    return membership


@transaction.atomic
def agency_verify(*, agency_id: int, actor, approve: bool = True, reason: str = "") -> PublicAgency:
    """The operator confirms (or rejects) a requested agency; its requester's membership follows."""
    _require_operator(actor)
    agency = PublicAgency.objects.select_for_update().get(pk=agency_id)
    reason = (reason or "").strip()
    if approve:
        _agency_transition(agency, A.VERIFIED, actor=actor)
        if agency.created_by_id:
            membership = AgencyMembership.objects.select_for_update().filter(
                agency=agency, user_id=agency.created_by_id, status=M.PENDING).first()
            if membership is not None:
                _membership_transition(membership, M.ACTIVE, actor=actor, via="operator")
    else:
        if not reason:
            raise ProcurementError(_("반려 사유를 적어 주세요."))
        _agency_transition(agency, A.REJECTED, actor=actor, reason=reason)
        for membership in AgencyMembership.objects.select_for_update().filter(
                agency=agency, status__in=[M.PENDING, M.ACTIVE]).order_by("pk"):
            _membership_transition(membership, M.REJECTED, actor=actor, reason=reason)
    return agency


@transaction.atomic
def membership_verify(*, membership_id: int, actor, approve: bool = True, reason: str = "") -> AgencyMembership:
    """The operator accepts (or rejects, with a reason) a buyer's membership."""
    _require_operator(actor)
    membership = AgencyMembership.objects.select_for_update().select_related("agency").get(pk=membership_id)
    reason = (reason or "").strip()
    if approve:
        if membership.agency.status != A.VERIFIED:
            raise ProcurementError(_("기관(%(name)s)을 먼저 확인해 주세요.") % {"name": membership.agency.name})
        if membership.status == M.ACTIVE:
            return membership
        _membership_transition(membership, M.ACTIVE, actor=actor, via="operator")
    else:
        if not reason:
            raise ProcurementError(_("반려 사유를 적어 주세요."))
        _membership_transition(membership, M.REJECTED, actor=actor, reason=reason)
    return membership
