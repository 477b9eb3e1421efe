"""The partner admin (입점기업 관리자): vendor members see and edit only their own vendor.

Later apps register their models here with a `VendorScopedAdmin` subclass:

    @admin.register(Product, site=partner_admin_site)
    class ProductPartnerAdmin(VendorScopedAdmin): ...

and their own pages the same way (behind the site's login, two-factor and permission check):

    partner_admin_site.register_page("sales/", vendor_sales_view, name="sales_report")
"""
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from ddasum.admin_scoping import ScopedAdminSite, ScopedInline, ScopedModelAdmin
from ddasum.otp import otp_satisfied, otp_url

from .models import Vendor
from .selectors import partner_readable_vendor_ids, partner_vendor_ids


class PartnerAdminSite(ScopedAdminSite):
    site_header = _("따숨몰 입점기업 관리자")
    site_title = _("입점기업 관리자")
    index_title = _("우리 기업 관리")
    site_url = "/"

    def scope_ids(self, request):
        user = request.user
        if user.is_active and user.is_staff:
            return None
        return partner_readable_vendor_ids(user)

    def write_scope_ids(self, request):
        # A terminated vendor's rows are read-only, but for the admins open to finishing work (orders).
        user = request.user
        if user.is_active and user.is_staff:
            return None
        return partner_vendor_ids(user)

    index_template = "admin/partner/index.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[tuple[str, object, str]] = []

    def register_page(self, route: str, view, *, name: str) -> None:
        """A page of a higher app at /partner/<route>, reversed as partner:<name>."""
        self._pages.append((route, view, name))

    def get_urls(self):
        pages = [path(route, self.admin_view(view), name=name) for route, view, name in self._pages]
        return pages + super().get_urls()

    def index(self, request, extra_context=None):
        ids = self.scope_ids(request)
        vendors = Vendor.objects.all() if ids is None else Vendor.objects.filter(pk__in=ids)
        extra_context = {**(extra_context or {}), "my_vendors": vendors.order_by("name")[:20]}
        return super().index(request, extra_context)

    def has_permission(self, request):
        # Operators, and members who turned two-factor authentication on, give their code first.
        return super().has_permission(request) and otp_satisfied(request)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated and not otp_satisfied(request):
            return redirect(otp_url(request.GET.get("next") or reverse("partner:index", current_app=self.name)))
        if request.user.is_authenticated:
            # Signed in but no approved vendor: say why instead of looping through the login page.
            return TemplateResponse(request, "vendors/partner_denied.html", status=403)
        # One login page for the whole site (rate-limited there).
        target = request.GET.get("next") or reverse("partner:index", current_app=self.name)
        return redirect(reverse("accounts:login") + "?" + urlencode({"next": target}))


partner_admin_site = PartnerAdminSite(name="partner")


class VendorScopedAdmin(ScopedModelAdmin):
    """Base for models that belong to a vendor (`scope_field` leads to it)."""

    scope_field = "vendor"


__all__ = ["partner_admin_site", "PartnerAdminSite", "VendorScopedAdmin", "ScopedInline"]
