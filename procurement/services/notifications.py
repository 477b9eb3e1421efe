"""What procurement tells people, in the app and by mail: the bodies of the notice tasks.

Each function takes ids, reads what it needs and sends its notices; the Celery tasks in
procurement.tasks call them after the commit of the service that queued them. Every notice has
a key (accounts.services.notification_create), so a retried task sends nothing twice.
"""
import logging

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import absolute_url, email_send
from ddasum.money import won
from notifications.services import Recipient, notify
from vendors.services import vendor_notify

from ..models import (
    AgencyMembership,
    MembershipStatus,
    Need,
    NeedProposal,
    NeedStatus,
    POStatus,
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseRecord,
    PurchaseSource,
    QuoteMessage,
    QuoteRequest,
    QuoteStatus,
    QuoteVersion,
    RecordStatus,
    RequestStatus,
    VendorQuote,
)
from ..selectors.access import user_is_agency_member
from .agencies import CONFIRM_MAIL_GAP_SECONDS, CONFIRM_MAX_AGE, domain_auto_accepts, membership_confirm_token
from .needs import need_vendors
from .purchases import AGENCY, VENDOR

logger = logging.getLogger(__name__)

M, N, P, Q, R = MembershipStatus, NeedStatus, POStatus, QuoteStatus, RequestStatus
Side = QuoteMessage.Side


# --- to people and agencies ----------------------------------------------------------------


def people_notify(users, *, title: str, body: str, url: str, key: str) -> int:
    """Tell each user in the app and by mail (through `notify`), once per `key`; how many were newly told."""
    context = {"title": title, "body": body, "url": url,
               "email_body": f"{body}\n\n{absolute_url(url)}" if url else body}
    return sum(notify("agency_notice", Recipient.member(user), context, f"{key}:u{user.pk}")
               for user in users if user.is_active)


def agency_members(agency_id: int):
    """The active members of an agency (who hear about its quotes)."""
    return User.objects.filter(
        agency_memberships__agency_id=agency_id, agency_memberships__status=M.ACTIVE, is_active=True
    ).distinct().order_by("pk")


def agency_notify(agency_id: int, *, title: str, body: str, url: str, key: str, prefer_user_id=None) -> int:
    """Tell the agency: the user who acted for it (while still a member), else its active members; once per key."""
    members = list(agency_members(agency_id))
    chosen = [u for u in members if u.pk == prefer_user_id] or members
    return people_notify(chosen, title=title, body=body, url=url, key=key)


def _path(name: str, *args) -> str:
    return reverse(name, args=args)


# --- agency membership -------------------------------------------------------------------


def agency_confirm_mail(*, membership_id: int) -> bool:
    """Mail the confirmation link to the address that qualifies for acceptance by domain."""
    membership = AgencyMembership.objects.select_related("agency", "user").filter(pk=membership_id).first()
    if membership is None or membership.status != M.PENDING:
        return False
    if not domain_auto_accepts(membership.user.email, membership.agency):
        return False
    if not cache.add(f"procurement:agency-confirm-mail:{membership.pk}", 1, CONFIRM_MAIL_GAP_SECONDS):
        return False
    url = absolute_url(reverse("procurement:agency_confirm", args=[membership_confirm_token(membership)]))
    body = "\n".join([
        _("%(name)s님, 따숨몰입니다.") % {"name": membership.user.name},
        "",
        _("%(agency)s 구매 담당자로 가입을 요청하셨습니다. 아래 링크를 열면 기관 메일 주소가 확인되어 "
          "바로 견적을 요청할 수 있습니다.") % {"agency": membership.agency.name},
        url,
        "",
        _("링크는 %(days)s일 동안 쓸 수 있습니다. 요청하지 않으셨다면 이 메일을 무시해 주세요.")
        % {"days": CONFIRM_MAX_AGE // 86400},
    ])
    email_send(to=[membership.user.email], subject=_("[따숨몰] 기관 메일 주소를 확인해 주세요"), body=body)
    logger.info("agency confirmation mail sent for membership %s", membership.pk)
    return True


def membership_decided_notify(*, membership_id: int, status: str, stamp: int = 0) -> int:
    """Tell the buyer their membership was accepted or rejected (once per decision)."""
    membership = AgencyMembership.objects.select_related("agency", "user").filter(pk=membership_id).first()
    if membership is None or membership.status != status:
        return 0
    agency = membership.agency.name
    if status == M.ACTIVE:
        title = _("%(agency)s 구매 담당자로 확인되었습니다") % {"agency": agency}
        body = _("이제 공공구매 견적을 요청할 수 있습니다.")
        url = reverse("procurement:home")
    else:
        title = _("%(agency)s 기관 가입 요청이 반려되었습니다") % {"agency": agency}
        body = _("사유: %(reason)s") % {"reason": membership.reject_reason or "-"}
        url = reverse("procurement:agency_pending")
    key = f"agency-membership:{membership.pk}:{status}:{stamp}"
    return people_notify([membership.user], title=title, body=body, url=url, key=key)


# --- quotes ----------------------------------------------------------------------------------


def _items_text(items) -> str:
    return "\n".join(f"- {i.name}{f' ({i.spec})' if i.spec else ''} × {i.quantity:,}{i.unit}" for i in items)


def quote_request_notify(*, request_id: int) -> int:
    """Each vendor of a new request hears of it (email + in-app), once."""
    request = QuoteRequest.objects.select_related("agency").get(pk=request_id)
    sent = 0
    quotes = request.quotes.filter(status=Q.REQUESTED).select_related("vendor").order_by("pk")
    items_by_vendor: dict[int, list] = {}
    for item in request.items.order_by("id"):
        items_by_vendor.setdefault(item.vendor_id, []).append(item)
    for quote in quotes:
        body = "\n".join([
            _("%(agency)s에서 견적을 요청했습니다.") % {"agency": request.agency.name},
            _("제목: %(title)s") % {"title": request.title},
            _("회신 기한: %(date)s") % {"date": request.reply_by.strftime("%Y-%m-%d")},
            _("납품 장소: %(place)s") % {"place": request.delivery_place},
            "", _items_text(items_by_vendor.get(quote.vendor_id, [])),
        ])
        sent += vendor_notify(quote.vendor, title=_("새 견적요청 %(number)s") % {"number": quote.number}, body=body,
                              url=reverse("procurement:quote_answer", args=[quote.number]),
                              key=f"quote-new:{quote.pk}", owners_only=False)
    return sent


def quote_answered_notify(*, version_id: int) -> int:
    """The agency's members hear that a quote (or a revision) arrived."""
    version = QuoteVersion.objects.select_related("quote__request", "quote__vendor").get(pk=version_id)
    quote = version.quote
    if version.version > 1:
        title = _("%(vendor)s 견적이 수정되었습니다 (%(n)s차)") % {"vendor": quote.vendor.name, "n": version.version}
    else:
        title = _("%(vendor)s 견적이 도착했습니다") % {"vendor": quote.vendor.name}
    body = "\n".join([
        _("견적요청: %(title)s (%(number)s)") % {"title": quote.request.title, "number": quote.request.number},
        _("합계: %(total)s원 (부가세 포함)") % {"total": f"{version.total:,}"},
        _("유효기간: %(date)s까지") % {"date": version.valid_until.strftime("%Y-%m-%d")},
    ])
    return people_notify(agency_members(quote.request.agency_id), title=title, body=body,
                         url=quote.get_absolute_url(), key=f"quote-version:{version.pk}")


def quote_declined_notify(*, quote_id: int, stamp: int = 0) -> int:
    quote = VendorQuote.objects.select_related("request", "vendor").get(pk=quote_id)
    if quote.status != Q.DECLINED:
        return 0
    body = "\n".join([
        _("견적요청: %(title)s (%(number)s)") % {"title": quote.request.title, "number": quote.request.number},
        _("사유: %(reason)s") % {"reason": quote.decline_reason},
    ])
    return people_notify(agency_members(quote.request.agency_id),
                         title=_("%(vendor)s에서 견적을 낼 수 없다고 답했습니다") % {"vendor": quote.vendor.name},
                         body=body, url=quote.get_absolute_url(), key=f"quote-declined:{quote.pk}:{stamp}")


def quote_request_cancelled_notify(*, request_id: int) -> int:
    request = QuoteRequest.objects.select_related("agency").get(pk=request_id)
    if request.status != R.CANCELLED:
        return 0
    sent = 0
    for quote in request.quotes.filter(status=Q.CANCELLED).select_related("vendor").order_by("pk"):
        body = _("%(agency)s에서 견적요청 '%(title)s'을(를) 취소했습니다. 견적을 더 내지 않으셔도 됩니다.") % {
            "agency": request.agency.name, "title": request.title}
        sent += vendor_notify(quote.vendor, title=_("견적요청 취소 %(number)s") % {"number": quote.number}, body=body,
                              url=quote.get_absolute_url(), key=f"quote-cancelled:{quote.pk}", owners_only=False)
    return sent


def quote_message_notify(*, message_id: int) -> int:
    """The other side of the thread hears of a new message (once per message)."""
    message = QuoteMessage.objects.select_related("quote__request__agency", "quote__vendor").get(pk=message_id)
    quote = message.quote
    preview = message.body if len(message.body) <= 300 else message.body[:300] + "…"
    key = f"quote-message:{message.pk}"
    if message.side == Side.AGENCY:
        title = _("%(agency)s의 새 메시지 (%(number)s)") % {"agency": quote.request.agency.name, "number": quote.number}
        return vendor_notify(quote.vendor, title=title, body=preview, url=quote.get_absolute_url(), key=key,
                             owners_only=False)
    title = _("%(vendor)s의 새 메시지 (%(number)s)") % {"vendor": quote.vendor.name, "number": quote.number}
    return people_notify(agency_members(quote.request.agency_id), title=title, body=preview,
                         url=quote.get_absolute_url(), key=key)


# --- purchase orders and records ---------------------------------------------------------------


def _po_of(po_id: int) -> PurchaseOrder:
    return PurchaseOrder.objects.select_related("agency", "vendor").get(pk=po_id)


def _tell_vendor(po: PurchaseOrder, *, title: str, body: str, key: str) -> int:
    return vendor_notify(po.vendor, title=title, body=body, url=_path("procurement:po_detail", po.number), key=key,
                         owners_only=False)


def _tell_agency(po: PurchaseOrder, *, title: str, body: str, key: str) -> int:
    return agency_notify(po.agency_id, title=title, body=body, url=_path("procurement:po_detail", po.number), key=key,
                         prefer_user_id=po.created_by_id)


def po_issued_notify(*, po_id: int) -> int:
    """A new purchase order: its vendor is asked to confirm it."""
    po = _po_of(po_id)
    source = _("견적 채택") if po.source == PurchaseSource.QUOTE else _("바로구매")
    body = "\n".join([
        _("%(agency)s에서 발주했습니다 (%(source)s).") % {"agency": po.agency.name, "source": source},
        _("발주번호: %(number)s · 합계 %(total)s") % {"number": po.number, "total": won(po.total)},
        _("납품 장소: %(place)s") % {"place": po.delivery_place},
        _("발주 내용을 확인하고 '발주 확인'을 눌러 주세요."),
    ])
    return _tell_vendor(po, title=_("새 발주가 도착했습니다"), body=body, key=f"po-issued:{po.pk}")


# What each status change tells the other side.
_EVENT_NOTICES = {
    P.CONFIRMED: (VENDOR, _("발주가 확인되었습니다"), _("%(vendor)s에서 발주 %(number)s을(를) 확인했습니다.")),
    P.DELIVERED: (VENDOR, _("납품이 완료되었습니다"),
                  _("%(vendor)s에서 발주 %(number)s의 납품을 마쳤습니다. 물품을 확인하고 검수해 주세요.")),
    P.INSPECTED: (AGENCY, _("검수가 완료되었습니다"),
                  _("%(agency)s에서 발주 %(number)s의 검수를 마쳤습니다. 공공구매 실적으로 기록되었습니다.")),
}


def po_event_notify(*, event_id: int) -> int:
    """Tell the other side about a status change of a purchase order."""
    event = PurchaseOrderEvent.objects.select_related("purchase_order__agency", "purchase_order__vendor").get(
        pk=event_id)
    po, key = event.purchase_order, f"po-event:{event.pk}"
    names = {"vendor": po.vendor.name, "agency": po.agency.name, "number": po.number}
    if event.to_status == P.CANCELLED:
        by_agency = event.actor_id is not None and user_is_agency_member(event.actor, po.agency_id)
        body = _("발주 %(number)s이(가) 취소되었습니다.") % names + "\n" + _("사유: %(reason)s") % {"reason": event.reason}
        title = _("발주가 취소되었습니다")
        if by_agency:
            return _tell_vendor(po, title=title, body=body, key=key)
        return _tell_agency(po, title=title, body=body, key=key)
    if event.to_status not in _EVENT_NOTICES:
        return 0
    side, title, body = _EVENT_NOTICES[event.to_status]
    body = body % names
    if event.to_status == P.DELIVERED and event.reason:
        body += "\n" + _("납품 메모: %(note)s") % {"note": event.reason}
    if side == VENDOR:
        return _tell_agency(po, title=title, body=body, key=key)
    return _tell_vendor(po, title=title, body=body, key=key)


def po_notice(*, po_id: int, notice: str, side: str, key: str) -> int:
    """Payment recorded, tax invoice asked for or issued: the other side hears of it."""
    po = _po_of(po_id)
    names = {"number": po.number, "agency": po.agency.name, "vendor": po.vendor.name}
    if notice == "paid":
        title = _("대금 지급이 기록되었습니다")
        body = _("발주 %(number)s의 대금 %(total)s이(가) %(date)s에 지급된 것으로 기록되었습니다 (%(method)s).") % {
            **names, "total": won(po.total), "date": po.paid_on.isoformat() if po.paid_on else "-",
            "method": po.get_payment_method_display()}
        sent = 0
        if side in (AGENCY, "operator"):
            sent += _tell_vendor(po, title=title, body=body, key=key)
        if side in (VENDOR, "operator"):
            sent += _tell_agency(po, title=title, body=body, key=key)
        return sent
    if notice == "invoice_requested":
        body = "\n".join([
            _("%(agency)s에서 발주 %(number)s의 계산서 발행을 요청했습니다.") % names,
            _("받을 이메일: %(email)s") % {"email": po.invoice_email},
            _("발행한 뒤 승인번호를 발주 화면에 입력해 주세요."),
        ])
        return _tell_vendor(po, title=_("계산서 발행 요청"), body=body, key=key)
    if notice == "invoice_issued":
        body = _("%(vendor)s에서 발주 %(number)s의 계산서를 발행했습니다. 승인번호 %(approval)s") % {
            **names, "approval": po.invoice_approval_number}
        return _tell_agency(po, title=_("계산서가 발행되었습니다"), body=body, key=key)
    return 0


def record_decided_notify(*, record_id: int) -> int:
    """The agency hears whether its outside-purchase record was confirmed or rejected."""
    record = PurchaseRecord.objects.select_related("vendor").get(pk=record_id)
    if record.status == RecordStatus.VERIFIED:
        title = _("구매 실적이 확인되었습니다")
        body = _("%(vendor)s 구매 실적 %(total)s(%(date)s)이 확인되었습니다.")
    elif record.status == RecordStatus.REJECTED:
        title = _("구매 실적이 반려되었습니다")
        body = _("%(vendor)s 구매 실적 %(total)s(%(date)s)이 반려되었습니다.") + "\n" + _("사유: %(reason)s")
    else:
        return 0
    body = body % {"vendor": record.vendor.name, "total": won(record.total), "date": record.purchased_on.isoformat(),
                   "reason": record.reject_reason}
    return agency_notify(record.agency_id, title=title, body=body, url=_path("procurement:record_list"),
                         key=f"record-decided:{record.pk}:{record.status}", prefer_user_id=record.created_by_id)


# --- the needs board -------------------------------------------------------------------------


def need_posted_notify(*, need_id: int) -> int:
    """Tell every vendor selling in the need's category, once per need."""
    need = Need.objects.select_related("agency", "category").get(pk=need_id)
    if need.status != N.OPEN:
        return 0
    lines = [
        _("%(agency)s에서 '%(category)s' 분류의 필요 제품을 올렸습니다.") % {"agency": need.agency.name,
                                                                 "category": need.category.name},
        need.title,
        _("수량: %(quantity)s") % {"quantity": need.quantity or "-"},
    ]
    if need.budget:
        lines.append(_("예산: %(amount)s원") % {"amount": f"{need.budget:,}"})
    lines.append(_("제안 마감일: %(date)s") % {"date": need.deadline.isoformat()})
    body, url = "\n".join(lines), _path("procurement:need_detail", need.pk)
    sent = 0
    for vendor in need_vendors(need):
        sent += vendor_notify(vendor, title=_("우리 이런 제품 필요해요: %(title)s") % {"title": need.title[:60]},
                              body=body, url=url, key=f"need-posted:{need.pk}:v{vendor.pk}")
    logger.info("need %s posted: %s people notified", need.pk, sent)
    return sent


def proposal_notify(*, proposal_id: int, key: str, revised: bool = False) -> int:
    """The need's agency hears of a new (or revised) proposal."""
    proposal = NeedProposal.objects.select_related("need", "vendor").get(pk=proposal_id)
    need = proposal.need
    title = (_("제안이 수정되었습니다") if revised else _("새 제안이 도착했습니다"))
    body = _("%(vendor)s에서 '%(title)s'에 제안했습니다.") % {"vendor": proposal.vendor.name, "title": need.title}
    return agency_notify(need.agency_id, title=title, body=body, url=_path("procurement:need_detail", need.pk), key=key,
                         prefer_user_id=need.created_by_id)
