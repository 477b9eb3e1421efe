"""Pages of the application (입점 신청), the renewal and private documents.

The public vendor page lives in catalog (catalog:vendor): it lists products, which vendors knows nothing of.
"""
import logging

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from ddasum.pdf_clean import PdfUnsafe, stored_file_open
from ddasum.views import call_service

from . import selectors, services
from .forms import RenewalForm, VendorApplicationForm, VendorDocumentsForm
from .models import EDITABLE_STATUSES, PARTNER_STATUSES, DocumentReadChannel, Vendor, VendorDocument

logger = logging.getLogger(__name__)


def _vendor_for_member(request, pk, *, owner_only=False) -> Vendor:
    vendor = get_object_or_404(Vendor, pk=pk)
    if not selectors.user_is_vendor_member(request.user, vendor.pk, owner_only=owner_only):
        raise Http404
    return vendor


@login_required
def application_start(request):
    """Start an application, or continue the draft the user already has."""
    draft = selectors.vendor_applications_for_user(request.user).filter(status__in=EDITABLE_STATUSES).first()
    if draft and request.method == "GET" and "new" not in request.GET:
        return redirect("vendors:application_edit", pk=draft.pk)
    form = VendorApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        vendor, ok = call_service(
            request, services.vendor_application_create, user=request.user, data=form.cleaned_data
        )
        if ok:
            messages.success(request, _("신청서를 임시 저장했습니다. 이제 서류를 올려 주세요."))
            return redirect("vendors:application_documents", pk=vendor.pk)
    return render(request, "vendors/application_form.html", {"form": form, "step": 1})


@login_required
def application_edit(request, pk):
    vendor = _vendor_for_member(request, pk, owner_only=True)
    if not vendor.is_editable:
        messages.info(request, _("제출한 신청서는 심사가 끝날 때까지 고칠 수 없습니다."))
        return redirect("vendors:application", pk=vendor.pk)
    form = VendorApplicationForm(request.POST or None, instance=vendor)
    if request.method == "POST" and form.is_valid():
        _vendor, ok = call_service(
            request, services.vendor_application_update, vendor_id=vendor.pk, user=request.user,
            data=form.cleaned_data,
        )
        if ok:
            messages.success(request, _("신청서를 저장했습니다."))
            return redirect("vendors:application_documents", pk=vendor.pk)
    return render(request, "vendors/application_form.html", {"form": form, "vendor": vendor, "step": 1})


@login_required
def application_documents(request, pk):
    vendor = _vendor_for_member(request, pk, owner_only=True)
    if not vendor.is_editable:
        return redirect("vendors:application", pk=vendor.pk)
    have = set(vendor.documents.values_list("kind", flat=True))
    form = VendorDocumentsForm(request.POST or None, request.FILES or None, vendor=vendor, have=have)
    if request.method == "POST" and form.is_valid():
        saved, ok = call_service(request, _documents_save, vendor=vendor, user=request.user, uploads=form.cleaned_uploads)
        if ok and "submit" in request.POST:
            # The files are kept even when the submission is refused: the message names what is missing.
            _vendor, submitted = call_service(
                request, services.vendor_action, vendor_id=vendor.pk, action="submit", actor=request.user
            )
            if submitted:
                messages.success(request, _("입점 신청을 제출했습니다. 심사 결과를 알림과 이메일로 알려 드립니다."))
                return redirect("vendors:application", pk=vendor.pk)
            return redirect("vendors:application_documents", pk=vendor.pk)
        if ok:
            messages.success(request, _("서류 %(count)s건을 저장했습니다.") % {"count": len(saved)})
            return redirect("vendors:application_documents", pk=vendor.pk)
    return render(
        request,
        "vendors/application_documents.html",
        {
            "form": form, "vendor": vendor, "step": 2,
            "documents": vendor.documents.current().select_related("vendor"),
            "missing": services.vendor_application_missing(vendor=vendor),
        },
    )


def _documents_save(*, vendor, user, uploads) -> list:
    """Store the files of one save together, or none (and no file left behind on disk)."""
    created = []
    try:
        with transaction.atomic():
            for kind, clean in uploads.items():
                created.append(services.vendor_document_add(vendor_id=vendor.pk, kind=kind, upload=clean, user=user))
    except Exception:
        for document in created:
            document.file.delete(save=False)
        raise
    return created


@login_required
def application_detail(request, pk):
    vendor = _vendor_for_member(request, pk)
    return render(
        request,
        "vendors/application_detail.html",
        {
            "vendor": vendor,
            "events": vendor.events.select_related("actor"),
            "documents": vendor.documents.current().select_related("vendor"),
            "missing": services.vendor_application_missing(vendor=vendor) if vendor.is_editable else [],
            "actions": services.vendor_actions_available(vendor=vendor, user=request.user),
            "is_owner": selectors.user_is_vendor_member(request.user, vendor.pk, owner_only=True),
            "partner_ready": vendor.status in PARTNER_STATUSES,
        },
    )


@login_required
@require_POST
def application_action(request, pk, action):
    """Owner actions on the own application: submit and withdraw."""
    vendor = _vendor_for_member(request, pk, owner_only=True)
    if action not in ("submit", "withdraw"):
        raise Http404
    _vendor, ok = call_service(
        request, services.vendor_action, vendor_id=vendor.pk, action=action, actor=request.user,
        reason=request.POST.get("reason", ""),
    )
    if ok:
        messages.success(
            request,
            _("입점 신청을 제출했습니다. 심사 결과를 알림과 이메일로 알려 드립니다.") if action == "submit"
            else _("입점을 철회했습니다."),
        )
    return redirect("vendors:application", pk=vendor.pk)


@login_required
def my_vendors(request):
    vendors = selectors.vendor_applications_for_user(request.user)
    return render(request, "vendors/my_vendors.html", {"vendors": vendors})


@login_required
def renewal(request, pk):
    vendor = _vendor_for_member(request, pk)
    if not vendor.is_certified_type:
        # Only 사회적기업 and 예비사회적기업 have a certification with a period to renew.
        return render(request, "vendors/renewal_not_applicable.html", {"vendor": vendor}, status=404)
    is_owner = selectors.user_is_vendor_member(request.user, vendor.pk, owner_only=True)
    form = RenewalForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not is_owner:
            raise Http404
        if form.is_valid():
            _renewal, ok = call_service(
                request, services.vendor_certification_renewal_request, vendor_id=vendor.pk, user=request.user,
                cert_number=form.cleaned_data["cert_number"], valid_until=form.cleaned_data["valid_until"],
                upload=form.cleaned_data["certificate"],
            )
            if ok:
                messages.success(request, _("갱신된 인증서를 보냈습니다. 운영자가 확인하면 알려 드립니다."))
                return redirect("vendors:renewal", pk=vendor.pk)
    return render(
        request,
        "vendors/renewal.html",
        {"vendor": vendor, "form": form, "renewals": vendor.renewals.select_related("document"), "is_owner": is_owner},
    )


@never_cache
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})  # previewed in an <iframe> of our own admin
def document(request, pk):
    """Stream a private document to whoever may read it (and log the read); everyone else gets 404."""
    doc = get_object_or_404(VendorDocument.objects.select_related("vendor"), pk=pk)
    grant = selectors.document_read_grant(request.user, doc)
    if grant is None:
        raise Http404
    download = request.GET.get("download") == "1"
    name = f"{doc.vendor.name}_{doc.label}.{doc.file.name.rsplit('.', 1)[-1]}"
    try:
        body = stored_file_open(doc.file, content_type=doc.content_type)
    except PdfUnsafe as exc:
        logger.warning("vendor document %s cannot be cleaned: %s", doc.pk, exc)
        raise Http404 from exc
    services.document_reads_record(
        reader=request.user, documents=[doc], grant=grant, request=request,
        channel=DocumentReadChannel.DOWNLOAD if download else DocumentReadChannel.PAGE,
    )
    response = FileResponse(body, content_type=doc.content_type, as_attachment=download, filename=name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
