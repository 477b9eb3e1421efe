"""Quote pages: the basket, requests (from the basket or custom), the quote page with its thread,
the vendor's inbox and answer form, and the private attachments.

Who may see what is one rule per object (procurement.selectors.access.quote_may_view /
request_may_view); anyone else gets 404, as if the number did not exist. List pages run a
fixed number of queries whatever their length.
"""
import mimetypes
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from catalog.models import ProductVariant
from ddasum.pdf_clean import PdfUnsafe, stored_file_open
from ddasum.ratelimit import client_ip, ratelimit, user_key
from ddasum.views import call_service
from vendors.models import Vendor
from vendors.selectors import partner_vendor_ids, user_is_vendor_member

from .. import amounts
from ..forms.quotes import (
    BasketAddForm,
    BasketUpdateForm,
    CustomItemFormSet,
    QuoteAnswerForm,
    QuoteDeclineForm,
    QuoteLineFormSet,
    QuoteMessageForm,
    QuoteRequestForm,
)
from ..models import (
    AgencyMembership,
    QuoteLine,
    QuoteMessage,
    QuoteRequest,
    QuoteRequestAttachment,
    QuoteStatus,
    QuoteVersion,
    RequestStatus,
    VendorQuote,
)
from ..selectors.access import active_memberships, agency_ids_for_user, quote_may_view, request_may_view
from ..selectors.quotes import basket_groups, basket_lines
from ..services import quotes as svc

Side = QuoteMessage.Side
REQUESTS_PER_PAGE = 20
VENDOR_QUOTES_PER_PAGE = 30
# A submitted request form is remembered this long, so a double submit opens the first request.
FORM_KEY_SECONDS = 60 * 60 * 24
FILES_AGAIN = _("첨부 파일은 보안상 다시 선택해 주세요.")


# --- helpers ------------------------------------------------------------------------------


def _first_error(form) -> str:
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return _("입력한 내용을 확인해 주세요.")


def _buyer_gate(request):
    """(the user's active memberships, None) or ([], a redirect saying what is missing)."""
    memberships = list(active_memberships(request.user))
    if memberships:
        return memberships, None
    if AgencyMembership.objects.filter(user=request.user).exists():
        messages.info(request, _("기관 구성원 확인이 끝나면 견적을 요청할 수 있습니다. 확인될 때까지 상품은 둘러볼 수 있습니다."))
        return [], redirect("procurement:agency_pending")
    messages.info(request, _("공공기관 구매 담당자로 가입하고 확인을 받으면 견적을 요청할 수 있습니다."))
    return [], redirect("procurement:agency_join")


def _percent_off(list_price, unit_price) -> str:
    """"12.5" when unit_price is below the catalog price, else ""."""
    if not list_price or unit_price is None or unit_price >= list_price:
        return ""
    value = (Decimal(list_price - unit_price) * 100 / Decimal(list_price)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{value:f}".removesuffix(".0")


def _stream(fieldfile, *, filename: str, content_type: str = ""):
    content_type = content_type or mimetypes.guess_type(fieldfile.name)[0] or "application/octet-stream"
    inline = content_type in ("application/pdf", "image/jpeg", "image/png")
    try:
        body = stored_file_open(fieldfile, content_type=content_type)  # a PDF handed on without active content
    except PdfUnsafe as exc:
        raise Http404 from exc
    response = FileResponse(body, content_type=content_type, as_attachment=not inline, filename=filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quote_for(request, number) -> VendorQuote:
    quote = (VendorQuote.objects.select_related("request__agency", "request__created_by", "vendor")
             .filter(number=number).first())
    if quote is None or not quote_may_view(request.user, quote):
        raise Http404
    return quote


def _vendor_quote_for(request, number) -> VendorQuote:
    """A quote the requester answers for its vendor; 404 for anyone else (operators included)."""
    quote = VendorQuote.objects.select_related("request__agency", "vendor").filter(number=number).first()
    if quote is None or not user_is_vendor_member(request.user, quote.vendor_id):
        raise Http404
    return quote


def _request_for(request, number) -> QuoteRequest:
    quote_request = QuoteRequest.objects.select_related("agency", "created_by").filter(number=number).first()
    if quote_request is None or not request_may_view(request.user, quote_request):
        raise Http404
    return quote_request


def _unread_q(side: str) -> Q:
    return Q(messages__side=side, messages__read_at__isnull=True)


# --- the basket ----------------------------------------------------------------------------


@never_cache
@login_required
def basket(request):
    _memberships, gate = _buyer_gate(request)
    if gate:
        return gate
    lines = basket_lines(request.user)
    groups = basket_groups(lines)
    context = {
        "groups": groups,
        "problems": [ln for ln in lines if ln.problem],
        "total": sum(g["total"] for g in groups),
        "quotable": any(not ln.problem for ln in lines),
        "vendor_count": len([g for g in groups if g["total"] or any(not ln.problem for ln in g["lines"])]),
        "direct_url": reverse("procurement:direct_purchase"),
        "eligible_url": reverse("catalog:products") + "?procurement=1",
        "seo": {"title": _("견적 바구니"), "noindex": True},
    }
    return render(request, "procurement/basket.html", context)


@require_POST
@login_required
def basket_add(request):
    """Put a procurement-eligible variant in the basket; refusals go back to the product page."""
    form = BasketAddForm(request.POST)
    variant = None
    if form.is_valid():
        variant = ProductVariant.objects.select_related("product").filter(pk=form.cleaned_data["variant_id"]).first()
    back = variant.product.get_absolute_url() if variant else reverse("catalog:products")
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(back)
    if variant is None:
        messages.error(request, _("없는 상품입니다."))
        return redirect(back)
    quantity = form.cleaned_data["quantity"]
    _line, ok = call_service(request, svc.basket_line_set, user=request.user, variant_id=variant.pk,
                             quantity=quantity, add=True)
    if not ok:
        return redirect(back)
    messages.success(request, _("견적 바구니에 담았습니다: %(name)s %(option)s %(n)s개")
                     % {"name": variant.product.name, "option": variant.name, "n": f"{quantity:,}"})
    return redirect("procurement:basket")


@require_POST
@login_required
def basket_update(request):
    """Change a line's quantity; 0 removes it."""
    form = BasketUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("procurement:basket")
    quantity = form.cleaned_data["quantity"]
    _line, ok = call_service(request, svc.basket_line_set, user=request.user,
                             variant_id=form.cleaned_data["variant_id"], quantity=quantity)
    if ok:
        messages.success(request, _("견적 바구니에서 뺐습니다.") if quantity == 0 else _("수량을 바꿨습니다."))
    return redirect("procurement:basket")


# --- requests ------------------------------------------------------------------------------


def _request_form_key(request, form_key: str) -> str:
    return f"procurement:request-form:{request.user.pk}:{form_key}"


def _request_create(request, form, *, memberships, items=None, from_basket=False):
    """Create the request from a valid form: the redirect, or None to show the form again."""
    data = form.cleaned_data
    cache_key = _request_form_key(request, data["form_key"])
    done = cache.get(cache_key)
    if done:
        return redirect("procurement:request_detail", done)
    if data["agency"] not in {m.agency_id for m in memberships}:
        form.add_error("agency", _("확인된 기관을 골라 주세요."))
        return None
    quote_request, ok = call_service(
        request, svc.quote_request_create, user=request.user, agency_id=data["agency"], title=data["title"],
        delivery_place=data["delivery_place"], reply_by=data["reply_by"],
        wanted_delivery_date=data.get("wanted_delivery_date"), budget_note=data.get("budget_note", ""),
        message=data.get("message", ""), items=items, from_basket=from_basket,
        attachments=data.get("attachments") or (),
    )
    if not ok:
        if data.get("attachments"):
            messages.info(request, FILES_AGAIN)
        return None
    cache.set(cache_key, quote_request.number, FORM_KEY_SECONDS)
    vendor_count = quote_request.quotes.count()
    messages.success(request, _("%(n)s개 기업에 견적을 요청했습니다. 기업이 답하면 알려 드립니다.") % {"n": vendor_count})
    return redirect(quote_request.get_absolute_url())


@never_cache
@login_required
def request_new(request):
    """The request form for the basket's items: one request, split per vendor."""
    memberships, gate = _buyer_gate(request)
    if gate:
        return gate
    agencies = [m.agency for m in memberships]
    if request.method == "POST":
        form = QuoteRequestForm(request.POST, request.FILES, agencies=agencies)
        if form.is_valid():
            response = _request_create(request, form, memberships=memberships, from_basket=True)
            if response is not None:
                return response
        elif request.FILES:
            messages.info(request, FILES_AGAIN)
    else:
        form = QuoteRequestForm(agencies=agencies)
    lines = basket_lines(request.user)
    quotable = [ln for ln in lines if not ln.problem]
    if not quotable and request.method == "GET":
        messages.info(request, _("견적을 요청할 상품이 바구니에 없습니다. 공공구매 가능 상품을 담아 주세요."))
        return redirect("procurement:basket")
    context = {
        "form": form, "groups": basket_groups(quotable), "problems": [ln for ln in lines if ln.problem],
        "seo": {"title": _("견적 요청"), "noindex": True},
    }
    return render(request, "procurement/request_form.html", context)


@never_cache
@login_required
def request_custom_new(request):
    """A custom quote from one vendor: free-text rows (품명, 규격, 단위, 수량, 비고)."""
    vendor_id = request.GET.get("vendor", "")
    vendor = Vendor.objects.selling().filter(pk=vendor_id).first() if vendor_id.isdigit() else None
    if vendor is None:
        raise Http404
    memberships, gate = _buyer_gate(request)
    if gate:
        return gate
    agencies = [m.agency for m in memberships]
    if request.method == "POST":
        form = QuoteRequestForm(request.POST, request.FILES, agencies=agencies)
        formset = CustomItemFormSet(request.POST, prefix="items")
        if form.is_valid() and formset.is_valid():
            items = [{"vendor_id": vendor.pk, **{k: f.cleaned_data.get(k) for k in ("name", "spec", "unit",
                                                                                    "quantity", "note")}}
                     for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            response = _request_create(request, form, memberships=memberships, items=items)
            if response is not None:
                return response
        elif request.FILES:
            messages.info(request, FILES_AGAIN)
    else:
        form = QuoteRequestForm(agencies=agencies, initial={"title": _("%(vendor)s 맞춤 견적 요청") % {"vendor": vendor.name}})
        formset = CustomItemFormSet(prefix="items")
    context = {"form": form, "formset": formset, "vendor": vendor,
               "seo": {"title": _("맞춤 견적 요청"), "noindex": True}}
    return render(request, "procurement/request_custom_form.html", context)


@never_cache
@login_required
def request_list(request):
    """The agency's requests, newest first, with each vendor's status and unread messages."""
    agency_ids = agency_ids_for_user(request.user)
    if not agency_ids:
        _memberships, gate = _buyer_gate(request)
        return gate
    status = request.GET.get("status", "")
    requests = QuoteRequest.objects.filter(agency_id__in=agency_ids).select_related("agency", "created_by")
    if status in RequestStatus.values:
        requests = requests.filter(status=status)
    quotes = (VendorQuote.objects.select_related("vendor", "current_version")
              .annotate(unread=Count("messages", filter=_unread_q(Side.VENDOR)))
              .order_by("vendor__name", "id"))
    requests = requests.prefetch_related(Prefetch("quotes", queryset=quotes)).order_by("-created_at", "-id")
    page_obj = Paginator(requests, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page_obj": page_obj, "status": status, "statuses": RequestStatus.choices,
               "seo": {"title": _("견적요청 목록"), "noindex": True}}
    return render(request, "procurement/request_list.html", context)


@never_cache
@login_required
def request_detail(request, number):
    quote_request = _request_for(request, number)
    quotes = list(quote_request.quotes.select_related("vendor", "current_version")
                  .annotate(unread=Count("messages", filter=_unread_q(Side.VENDOR))).order_by("vendor__name", "id"))
    items = list(quote_request.items.select_related("vendor").order_by("vendor__name", "id"))
    by_vendor: dict[int, list] = {}
    for item in items:
        by_vendor.setdefault(item.vendor_id, []).append(item)
    for quote in quotes:
        quote.requested_items = by_vendor.get(quote.vendor_id, [])
    is_member = quote_request.agency_id in agency_ids_for_user(request.user)
    context = {
        "quote_request": quote_request, "quotes": quotes,
        "attachments": list(quote_request.attachments.all()),
        "can_cancel": is_member and quote_request.status == RequestStatus.OPEN,
        "seo": {"title": _("견적요청 %(number)s") % {"number": quote_request.number}, "noindex": True},
    }
    return render(request, "procurement/request_detail.html", context)


@require_POST
@login_required
def request_cancel(request, number):
    quote_request = _request_for(request, number)
    _done, ok = call_service(request, svc.quote_request_cancel, request_id=quote_request.pk, actor=request.user)
    if ok:
        messages.success(request, _("견적요청을 취소했습니다. 기업들에 알렸습니다."))
    return redirect(quote_request.get_absolute_url())


@login_required
def request_attachment(request, pk):
    """A request's attachment: the agency's members, operators, and the vendors it was sent to."""
    attachment = get_object_or_404(QuoteRequestAttachment.objects.select_related("request"), pk=pk)
    quote_request = attachment.request
    allowed = request_may_view(request.user, quote_request) or any(
        user_is_vendor_member(request.user, vendor_id)
        for vendor_id in quote_request.quotes.values_list("vendor_id", flat=True)
    )
    if not allowed:
        raise Http404
    return _stream(attachment.file, filename=attachment.original_name, content_type=attachment.content_type)


# --- the quote page ------------------------------------------------------------------------


def _tax_rows(version: QuoteVersion) -> list[dict]:
    """공급가액 / 세액 / 합계 by 과세 and 면세, and both."""
    return [
        {"label": _("과세"), "supply": version.taxable_supply, "vat": version.taxable_vat,
         "total": version.taxable_supply + version.taxable_vat, "key": "taxable"},
        {"label": _("면세"), "supply": version.exempt_amount, "vat": 0, "total": version.exempt_amount,
         "key": "exempt"},
        {"label": _("합계"), "supply": version.taxable_supply + version.exempt_amount, "vat": version.taxable_vat,
         "total": version.total, "key": "total"},
    ]


def _quote_detail_context(request, quote: VendorQuote, *, message_form=None) -> dict:
    versions = list(quote.versions.select_related("prepared_by")
                    .prefetch_related(Prefetch("lines", queryset=QuoteLine.objects.order_by("id")))
                    .order_by("-version"))
    words = getattr(amounts, "amount_in_words", None)
    for version in versions:
        version.pdf_url = reverse("procurement:quote_pdf", args=[version.pk])
        version.tax_rows = _tax_rows(version)
        version.words = words(version.total) if words else ""
        for line in version.lines.all():
            line.percent_off = _percent_off(line.list_price, line.unit_price)
    current = next((v for v in versions if v.pk == quote.current_version_id), None)
    sides = svc.quote_sides(request.user, quote)
    is_agency, is_vendor = Side.AGENCY in sides, Side.VENDOR in sides
    today = timezone.localdate()
    request_open = quote.request.status == RequestStatus.OPEN
    accept_url = ""
    if is_agency and current is not None and quote.status == QuoteStatus.ANSWERED and request_open:
        accept_url = reverse("procurement:quote_accept", args=[quote.number])
    return {
        "quote": quote, "quote_request": quote.request,
        "requested_items": list(quote.request.items.filter(vendor_id=quote.vendor_id).order_by("id")),
        "attachments": list(quote.request.attachments.all()),
        "current": current, "earlier": [v for v in versions if v is not current],
        "expired": current is not None and current.valid_until < today,
        "is_agency": is_agency, "is_vendor": is_vendor,
        "can_answer": is_vendor and request_open and quote.status in svc.ANSWERABLE,
        "accept_url": accept_url,
        "has_bundle_panel": current is not None,
        "thread": list(quote.messages.select_related("sender").order_by("created_at", "id")),
        "my_side": Side.AGENCY if is_agency else Side.VENDOR if is_vendor else "",
        "can_post": bool(sides),
        "message_form": message_form or QuoteMessageForm(),
        "seo": {"title": _("견적 %(number)s") % {"number": quote.number}, "noindex": True},
    }


@never_cache
@login_required
def quote_detail(request, number):
    """One vendor's quote: the request, the current version and earlier ones, the bundle, the thread."""
    quote = _quote_for(request, number)
    svc.quote_messages_mark_read(quote_id=quote.pk, user=request.user)
    return render(request, "procurement/quote_detail.html", _quote_detail_context(request, quote))


@require_POST
@login_required
@ratelimit("quote_message", by=(user_key, client_ip))
def quote_message_post(request, number):
    quote = _quote_for(request, number)
    form = QuoteMessageForm(request.POST, request.FILES)
    if form.is_valid():
        _message, ok = call_service(request, svc.quote_message_post, quote_id=quote.pk, actor=request.user,
                                    body=form.cleaned_data["body"], attachment=form.cleaned_data.get("attachment"))
        if ok:
            messages.success(request, _("메시지를 보냈습니다."))
            return redirect(quote.get_absolute_url() + "#messages")
    if request.FILES:
        messages.info(request, FILES_AGAIN)
    # Shown again with what was typed, the errors next to the field.
    return render(request, "procurement/quote_detail.html",
                  _quote_detail_context(request, quote, message_form=form))


@login_required
def message_attachment(request, pk):
    message = get_object_or_404(QuoteMessage.objects.select_related("quote__request"), pk=pk)
    if not message.attachment or not quote_may_view(request.user, message.quote):
        raise Http404
    return _stream(message.attachment, filename=message.attachment_name or message.attachment.name.rsplit("/", 1)[-1])


# --- the vendor's side ---------------------------------------------------------------------


@never_cache
@login_required
def vendor_quote_list(request):
    """The vendor's inbox: requests to answer first, then the rest, with unread messages."""
    vendor_ids = partner_vendor_ids(request.user)
    if not vendor_ids:
        raise PermissionDenied
    status = request.GET.get("status", "")
    quotes = (VendorQuote.objects.filter(vendor_id__in=vendor_ids)
              .select_related("request__agency", "vendor", "current_version")
              .annotate(unread=Count("messages", filter=_unread_q(Side.AGENCY)),
                        item_count=Count("request__items", filter=Q(request__items__vendor_id=F("vendor_id")),
                                         distinct=True)))
    if status in QuoteStatus.values:
        quotes = quotes.filter(status=status)
    quotes = quotes.order_by("-created_at", "-id")
    page_obj = Paginator(quotes, VENDOR_QUOTES_PER_PAGE).get_page(request.GET.get("page"))
    waiting = VendorQuote.objects.filter(vendor_id__in=vendor_ids, status=QuoteStatus.REQUESTED,
                                         request__status=RequestStatus.OPEN).count()
    context = {"page_obj": page_obj, "status": status, "statuses": QuoteStatus.choices, "waiting": waiting,
               "today": timezone.localdate(), "multi_vendor": len(vendor_ids) > 1,
               "seo": {"title": _("받은 견적요청"), "noindex": True}}
    return render(request, "procurement/vendor_quote_list.html", context)


def _answer_rows(formset, initial: list[dict]) -> list[dict]:
    """Each form of the answer with the catalog price and the discount it gives (for the page)."""
    rows = []
    for index, form in enumerate(formset.forms):
        start = initial[index] if index < len(initial) else {}
        list_price = start.get("list_price")
        raw = form["unit_price"].value()
        try:
            unit_price = int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            unit_price = None
        rows.append({"form": form, "list_price": list_price, "requested": bool(start.get("request_item_id")),
                     "note": start.get("note", ""), "percent_off": _percent_off(list_price, unit_price)})
    return rows


@never_cache
@login_required
def quote_answer(request, number):
    """The vendor's answer: one row per requested item (catalog price by default), extra rows, terms."""
    quote = _vendor_quote_for(request, number)
    initial = svc.quote_answer_initial(quote)
    answerable = quote.request.status == RequestStatus.OPEN and quote.status in svc.ANSWERABLE
    form_initial = {}
    if quote.current_version_id:
        version = quote.current_version
        form_initial = {"delivery_terms": version.delivery_terms, "notes": version.notes}
        if version.valid_until >= timezone.localdate():
            form_initial["valid_until"] = version.valid_until
    formset_initial = [{k: v for k, v in row.items() if k not in ("list_price", "note")} for row in initial]
    if request.method == "POST" and not answerable:
        messages.error(request, _("이 견적은 지금 고칠 수 없습니다 (%(status)s).") % {"status": quote.get_status_display()})
        return redirect(quote.get_absolute_url())
    if request.method == "POST":
        form = QuoteAnswerForm(request.POST)
        formset = QuoteLineFormSet(request.POST, prefix="lines", initial=formset_initial)
        if form.is_valid() and formset.is_valid():
            version, ok = call_service(
                request, svc.quote_submit, quote_id=quote.pk, actor=request.user,
                valid_until=form.cleaned_data["valid_until"], delivery_terms=form.cleaned_data["delivery_terms"],
                notes=form.cleaned_data["notes"], lines=formset.lines(),
            )
            if ok:
                messages.success(request, _("견적서를 보냈습니다 (%(n)s차). 기관에 알렸습니다.") % {"n": version.version})
                return redirect(quote.get_absolute_url())
    else:
        form = QuoteAnswerForm(initial=form_initial)
        formset = QuoteLineFormSet(prefix="lines", initial=formset_initial)
    context = {
        "quote": quote, "quote_request": quote.request, "form": form, "formset": formset,
        "rows": _answer_rows(formset, initial), "answerable": answerable,
        "decline_form": QuoteDeclineForm(),
        "attachments": list(quote.request.attachments.all()),
        "seo": {"title": _("견적 작성 %(number)s") % {"number": quote.number}, "noindex": True},
    }
    # After a refusal the page shows again with everything typed and the errors by the fields.
    return render(request, "procurement/quote_answer.html", context)


@require_POST
@login_required
def quote_decline(request, number):
    quote = _vendor_quote_for(request, number)
    form = QuoteDeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("procurement:quote_answer", quote.number)
    _done, ok = call_service(request, svc.quote_decline, quote_id=quote.pk, actor=request.user,
                             reason=form.cleaned_data["reason"])
    if ok:
        messages.success(request, _("견적 불가로 답했습니다. 기관에 사유를 알렸습니다."))
        return redirect(quote.get_absolute_url())
    return redirect("procurement:quote_answer", quote.number)
