from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .log import request_id_from, request_id_var


class RequestIdMiddleware:
    """Names each request (X-Request-ID from the proxy, or a new id) for the logs and the tasks it sends."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_from(request.headers.get("X-Request-ID"))
        token = request_id_var.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response.headers["X-Request-ID"] = request.request_id
        return response


class LanguageCookieMiddleware:
    """Korean unless the visitor chose another language with the switcher (a cookie).

    Django's LocaleMiddleware also follows the browser's Accept-Language, which would show
    English to most visitors on an English-set phone; this shop is Korean first.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """{"camera": ["self"], "microphone": []} → 'camera=(self), microphone=()'."""
    def item(origin: str) -> str:
        return origin if origin in ("self", "*") else f'"{origin}"'
    return ", ".join(f"{feature}=({' '.join(item(o) for o in origins)})" for feature, origins in policy.items())


class SecurityHeadersMiddleware:
    """Permissions-Policy from settings.PERMISSIONS_POLICY (Referrer-Policy and nosniff are Django's)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
