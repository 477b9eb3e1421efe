"""What several procurement pages share: the page for users without an agency, the agency a page is
about, and streaming a private file."""
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse

from ddasum.pdf_clean import PdfUnsafe, stored_file_open


def no_agency_response(request):
    """403: the page is for members of a verified agency (with the link to join one)."""
    return render(request, "procurement/po_no_agency.html", {"join_url": reverse("procurement:agency_join")},
                  status=403)


def chosen_agency(request, agencies):
    """The agency the page is about: ?agency= among the user's, else the first."""
    wanted = request.POST.get("agency") or request.GET.get("agency")
    return next((a for a in agencies if str(a.pk) == str(wanted)), agencies[0] if agencies else None)


def private_file_response(request, file, original_name: str) -> FileResponse:
    """Stream a stored private file; the type comes from the stored name (upload_clean chose it), never the upload's."""
    ext = file.name.rsplit(".", 1)[-1].lower()
    content_type = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
                    "webp": "image/webp"}.get(ext, "application/octet-stream")
    base = (original_name or "file").rsplit(".", 1)[0] or "file"
    download = request.GET.get("download") == "1" or content_type == "application/octet-stream"
    try:
        body = stored_file_open(file, content_type=content_type)  # a PDF handed on without active content
    except PdfUnsafe as exc:
        raise Http404 from exc
    response = FileResponse(body, content_type=content_type, as_attachment=download, filename=f"{base}.{ext}")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
