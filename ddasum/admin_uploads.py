"""Admin screens that take a file, show what it would do, and apply it on confirm.

Product import, tracking numbers, tax-invoice approvals and bank deposits share the
mechanics: the upload page checks the file and renders a preview; when there is something
to apply, the bytes wait in the cache under a random token tied to the admin site and the
user (no row data travels through the form); the confirm step takes them back once and the
service checks every row again before it writes, all or nothing.

The pages extend `admin/ddasum/csv_upload.html` and `admin/ddasum/csv_preview.html`,
filling in their help text and their table of rows.
"""
import secrets
from collections.abc import Callable

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .exceptions import DomainError

UPLOAD_CACHE_SECONDS = 60 * 60


class UploadPreviewMixin:
    """For a ModelAdmin: stash an upload at the preview, take it back at the confirm.

    `upload_cache_name` names the screen in the cache key; `upload_url_name` and
    `confirm_url_name` are the admin url names after "<app>_<model>_".
    """

    upload_cache_name = ""
    upload_url_name = ""
    confirm_url_name = ""

    def _upload_admin_url(self, name: str) -> str:
        opts = self.model._meta
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{name}")

    def _upload_key(self, request, token: str) -> str:
        return f"admin-upload:{self.upload_cache_name}:{self.admin_site.name}:{request.user.pk}:{token}"

    def upload_context(self, request, **extra) -> dict:
        """What both pages need: the admin's context, the model, and the three urls."""
        return {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "changelist_url": self._upload_admin_url("changelist"),
            "upload_url": self._upload_admin_url(self.upload_url_name),
            "confirm_url": self._upload_admin_url(self.confirm_url_name),
            **extra,
        }

    def upload_stash(self, request, **stored) -> str:
        """Keep the previewed upload (its bytes and what the confirm needs) for this user; return the token."""
        token = secrets.token_urlsafe(24)
        cache.set(self._upload_key(request, token), stored, UPLOAD_CACHE_SECONDS)
        return token

    def upload_take(self, request) -> dict | None:
        """The upload stashed under the posted token for this user, removed so it applies once; None if gone."""
        key = self._upload_key(request, request.POST.get("token", ""))
        stored = cache.get(key)
        if stored is not None:
            cache.delete(key)
        return stored

    def upload_confirm(self, request, *, apply: Callable[[dict], HttpResponse], refused: type[Exception],
                       on_refused: Callable[[Exception, dict], HttpResponse]) -> HttpResponse:
        """The confirm step: `apply(stored)` answers; `refused` (rows failed the new check) goes to `on_refused`.

        Any other domain error is shown on the upload page; an expired or foreign token sends
        the user back there to upload again.
        """
        upload_url = self._upload_admin_url(self.upload_url_name)
        if request.method != "POST":
            return redirect(upload_url)
        stored = self.upload_take(request)
        if stored is None:
            messages.error(request, _("미리보기가 만료되었습니다. 파일을 다시 올려 주세요."))
            return redirect(upload_url)
        try:
            return apply(stored)
        except refused as exc:
            return on_refused(exc, stored)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(upload_url)
