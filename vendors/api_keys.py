"""A vendor's API keys: issued to the vendor (not to a person), scoped, expiring, revocable.

The key is shown once, when it is made: `ddk_` and 40 random URL-safe characters (240 bits).
Only an HMAC-SHA256 of it is stored, keyed with API_KEY_HASH_SECRET: a fast keyed hash is
enough for a random key of that length (nobody can guess it, so a slow hash would only slow
every request), and a stolen table of hashes is useless without the secret.

A request sends `Authorization: Api-Key ddk_…`. The key acts as the member who made it (an
owner): services that check membership and event rows that record who did what need a user.
So a key whose maker left the vendor or was deactivated stops working; another owner makes a
new one. A key sees only its own vendor's data (`api_vendor_ids`), even when its maker belongs
to several, and only what its scopes allow (`ApiKeyScopes`; a view names the scope it needs).
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .exceptions import NotAllowed, VendorError
from .models import PARTNER_STATUSES, ApiScope, VendorApiKey
from .selectors import partner_vendor_ids, user_is_vendor_member

KEYWORD = "Api-Key"
KEY_PREFIX = "ddk_"
# last_used_at is written at most this often per key: one cheap UPDATE a minute, not one per request.
TOUCH_EVERY = timedelta(minutes=1)


def api_key_hash(raw: str) -> str:
    return hmac.new(settings.API_KEY_HASH_SECRET.encode(), raw.encode(), hashlib.sha256).hexdigest()


def _may_manage(actor, vendor_id: int) -> bool:
    return bool(actor and actor.is_authenticated and actor.is_active
                and (actor.is_staff or user_is_vendor_member(actor, vendor_id, owner_only=True)))


def api_key_scopes_clean(scopes) -> list[str]:
    chosen = [s for s in ApiScope.values if s in set(scopes or ())]
    if not chosen:
        raise VendorError(_("권한을 하나 이상 골라 주세요."))
    return chosen


@transaction.atomic
def api_key_create(*, vendor_id: int, name: str, scopes, actor, expires_at=None) -> tuple[VendorApiKey, str]:
    """Make a key for the vendor (its owners only); return the row and the key, which is never shown again."""
    if not _may_manage(actor, vendor_id):
        raise NotAllowed(_("대표 관리자만 API 키를 만들 수 있습니다."))
    name = (name or "").strip()
    if not name:
        raise VendorError(_("키 이름을 적어 주세요."))
    if expires_at is not None and expires_at <= timezone.now():
        raise VendorError(_("만료 시각은 지금보다 뒤여야 합니다."))
    raw = KEY_PREFIX + secrets.token_urlsafe(30)
    key = VendorApiKey.objects.create(
        vendor_id=vendor_id, name=name[:80], scopes=api_key_scopes_clean(scopes), expires_at=expires_at,
        prefix=raw[:12], key_hash=api_key_hash(raw), created_by=actor,
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, key_id: int, actor) -> VendorApiKey:
    """Revoke a key at once (its vendor's owners); revoking twice changes nothing."""
    key = VendorApiKey.objects.select_for_update().get(pk=key_id)
    if not _may_manage(actor, key.vendor_id):
        raise NotAllowed(_("대표 관리자만 API 키를 폐기할 수 있습니다."))
    if key.revoked_at is None:
        key.revoked_at, key.revoked_by = timezone.now(), actor
        key.save(update_fields=["revoked_at", "revoked_by"])
    return key


def api_key_touch(key: VendorApiKey, now=None) -> None:
    """Record the key's use, at most once a TOUCH_EVERY (a conditional UPDATE, no lock)."""
    now = now or timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < TOUCH_EVERY:
        return
    VendorApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY)).update(last_used_at=now)
    key.last_used_at = now


# --- DRF --------------------------------------------------------------------------------------


class VendorApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`: (the key's maker, the key), or 401 with why."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("API 키 형식이 올바르지 않습니다."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed(_("API 키 형식이 올바르지 않습니다.")) from exc
        key = (VendorApiKey.objects.select_related("vendor", "created_by")
               .filter(key_hash=api_key_hash(raw)).first())
        if key is None:
            raise AuthenticationFailed(_("API 키가 올바르지 않습니다."))
        now = timezone.now()
        if key.revoked_at is not None:
            raise AuthenticationFailed(_("폐기된 API 키입니다."))
        if key.expires_at is not None and key.expires_at <= now:
            raise AuthenticationFailed(_("만료된 API 키입니다."))
        if key.vendor.status not in PARTNER_STATUSES:
            raise AuthenticationFailed(_("이 입점기업은 API를 쓸 수 없습니다."))
        user = key.created_by
        if not user_is_vendor_member(user, key.vendor_id):
            raise AuthenticationFailed(_("키를 만든 구성원이 더 이상 이 기업에 없습니다. 새 키를 만들어 주세요."))
        api_key_touch(key, now)
        return user, key

    def authenticate_header(self, request):
        return KEYWORD


class VendorApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = VendorApiKeyAuthentication
    name = "vendorApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "Api-Key ddk_… (입점기업 관리자 > API 키)"}


def request_api_key(request) -> VendorApiKey | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, VendorApiKey) else None


def api_vendor_ids(request) -> frozenset:
    """The vendors an API request may see: the key's one vendor, or the signed-in member's vendors."""
    ids = getattr(request, "_partner_vendor_ids", None)
    if ids is None:
        key = request_api_key(request)
        ids = frozenset({key.vendor_id}) if key is not None else partner_vendor_ids(request.user)
        request._partner_vendor_ids = ids
    return ids


def api_key_scope_needed(view, method: str) -> str | None:
    """The scope a view asks of a key for this method: `api_key_read_scope` / `api_key_write_scope`,
    or `api_key_scope` for both. None: the view takes no keys."""
    both = getattr(view, "api_key_scope", None)
    if method in SAFE_METHODS:
        return getattr(view, "api_key_read_scope", None) or both
    return getattr(view, "api_key_write_scope", None) or both


class ApiKeyScopes(BasePermission):
    """A request with an API key needs the view's scope; sessions and user tokens are not limited here."""

    message = gettext_lazy("이 API 키에는 이 작업을 할 권한이 없습니다.")

    def has_permission(self, request, view):
        key = request_api_key(request)
        if key is None:
            return True
        needed = api_key_scope_needed(view, request.method)
        return needed is not None and needed in key.scopes


class ApiKeyThrottle(SimpleRateThrottle):
    """Requests with an API key, counted per key (REST_FRAMEWORK rate "api_key")."""

    scope = "api_key"

    @property
    def THROTTLE_RATES(self):  # noqa: N802 (DRF's name)
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_cache_key(self, request, view):
        key = request_api_key(request)
        if key is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": key.pk}
