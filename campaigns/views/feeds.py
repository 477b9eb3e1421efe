"""The product feeds other channels fetch: /feeds/naver-ep.tsv (네이버 쇼핑 EP 3.0)."""
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from ..services.naver_feed import FEED_NAME


@require_GET
def naver_feed(request):
    """The last feed the hourly task wrote, from whichever storage holds it; 404 before the first run."""
    if not default_storage.exists(FEED_NAME):
        raise Http404
    response = FileResponse(default_storage.open(FEED_NAME, "rb"),
                            content_type="text/tab-separated-values; charset=utf-8")
    response["Cache-Control"] = "public, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
