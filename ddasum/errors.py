"""The site's error pages (400, 403, 404, 500 and the CSRF failure), Korean first.

`ddasum/urls.py` names these as handler400…handler500. Under /api/ they answer JSON
({"detail": "…"}) like the DRF views do (ddasum.api.exception_handler), so a client of the
API never gets an HTML page. The 500 page is rendered without a request context: no
context processor (categories, cart, notifications) runs, nothing touches the database,
which may be what failed.
"""
import logging

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _plain_page(status: int, title: str, message: str) -> HttpResponse:
    """The 500 template without a context; a bare page if even that fails."""
    try:
        body = loader.get_template("500.html").render({"title": title, "message": message, "status": status})
    except Exception:  # the template system itself may be what broke
        logger.exception("the error page %s could not be rendered", status)
        body = f"<!doctype html><meta charset='utf-8'><title>{title}</title><h1>{title}</h1><p>{message}</p>"
    return HttpResponse(body, status=status)


def _error_page(request, *, status: int, template: str, title: str, message: str, api_message: str) -> HttpResponse:
    if is_api_request(request):
        return JsonResponse({"detail": api_message}, status=status)
    try:
        return render(request, template, {"title": title, "message": message, "status": status}, status=status)
    except Exception:  # a context processor needing the database that is down, say
        logger.exception("the error page %s fell back to the plain one", status)
        return _plain_page(status, title, message)


@requires_csrf_token
def bad_request(request, exception=None):
    return _error_page(request, status=400, template="400.html", title=_("잘못된 요청입니다"),
                       message=_("요청을 처리할 수 없습니다. 주소와 입력한 내용을 확인해 주세요."),
                       api_message=_("요청을 처리할 수 없습니다. 주소와 입력한 내용을 확인해 주세요."))


@requires_csrf_token
def permission_denied(request, exception=None):
    return _error_page(request, status=403, template="403.html", title=_("접근 권한이 없습니다"),
                       message=_("이 페이지를 볼 권한이 없습니다. 다른 계정으로 로그인해야 할 수 있습니다."),
                       api_message=_("이 작업을 할 권한이 없습니다."))


@requires_csrf_token
def page_not_found(request, exception=None):
    return _error_page(request, status=404, template="404.html", title=_("페이지를 찾을 수 없습니다"),
                       message=_("요청하신 페이지가 없거나 옮겨졌습니다. 주소를 확인해 주세요."),
                       api_message=_("찾을 수 없습니다."))


def server_error(request):
    title = _("일시적인 오류가 발생했습니다")
    message = _("잠시 후 다시 시도해 주세요. 문제가 계속되면 고객센터로 알려 주세요.")
    if is_api_request(request):
        return JsonResponse({"detail": message}, status=500)
    return _plain_page(500, title, message)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent from an old page or with cookies blocked."""
    return _error_page(request, status=403, template="403.html", title=_("보안 확인에 실패했습니다"),
                       message=_("페이지가 오래되었거나 쿠키가 꺼져 있습니다. 페이지를 새로 고친 뒤 다시 보내 주세요."),
                       api_message=_("보안 확인(CSRF)에 실패했습니다. 토큰으로 인증하거나 CSRF 토큰을 보내 주세요."))
