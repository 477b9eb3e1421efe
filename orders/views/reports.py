"""The operator's sales report pages (staff only): by month with a chart, and the breakdowns; CSV downloads."""
from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.spreadsheets import attachment_response
from ddasum.views import int_param

from ..selectors.reports import (
    GROUP_COLUMN,
    group_csv,
    monthly_chart_svg,
    monthly_csv,
    report_years,
    sales_by_category,
    sales_by_enterprise_type,
    sales_by_month,
    sales_by_region,
    sales_by_vendor,
)


def operator_required(view):
    """Operators only: a visitor signs in first; a signed-in non-operator gets 403."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _context(request, *, kind: str, year: int, month: int | None, title: str, **extra) -> dict:
    return {
        **admin.site.each_context(request), "title": title, "kind": kind, "kinds": [
            (k, label) for k, (label, _fn) in KINDS.items()], "year": year, "month": month,
        "years": report_years(), "month_choices": range(1, 13), **extra,
    }


@operator_required
def report_monthly(request):
    """Sales by month of a year: table, chart, CSV."""
    year = int_param(request.GET.get("year"), 2000, 2100) or timezone.localdate().year
    report = sales_by_month(year=year)
    if request.GET.get("format") == "csv":
        return attachment_response(monthly_csv(report), f"sales-{year}-monthly.csv")
    return TemplateResponse(request, "orders/reports/monthly.html", _context(
        request, kind="monthly", year=year, month=None, title=_("%(year)s년 월별 매출") % {"year": year},
        report=report, chart=mark_safe(monthly_chart_svg(report)),  # noqa: S308 (built and escaped above)
    ))


@operator_required
def report_breakdown(request, kind: str):
    """Sales of a year (or one month of it) by vendor, category, region or enterprise type."""
    if kind not in KINDS or kind == "monthly":
        raise Http404
    year = int_param(request.GET.get("year"), 2000, 2100) or timezone.localdate().year
    month = int_param(request.GET.get("month"), 1, 12)
    label, fn = KINDS[kind]
    rows = fn(year=year, month=month)
    if request.GET.get("format") == "csv":
        suffix = f"{year}-{month:02d}" if month else f"{year}"
        return attachment_response(group_csv(kind, rows), f"sales-{suffix}-{kind}.csv")
    period = _("%(year)s년 %(month)s월") % {"year": year, "month": month} if month else _("%(year)s년") % {"year": year}
    return TemplateResponse(request, "orders/reports/breakdown.html", _context(
        request, kind=kind, year=year, month=month, title=_("%(period)s %(kind)s 매출") % {"period": period, "kind": label},
        rows=rows, group_label=GROUP_COLUMN[kind], total=sum(r.revenue for r in rows), total_orders=sum(r.orders for r in rows),
    ))


KINDS = {
    "monthly": (gettext_lazy("월별"), sales_by_month),
    "vendors": (gettext_lazy("입점기업별"), sales_by_vendor),
    "categories": (gettext_lazy("분류별"), sales_by_category),
    "regions": (gettext_lazy("시군별"), sales_by_region),
    "types": (gettext_lazy("기업 유형별"), sales_by_enterprise_type),
}
