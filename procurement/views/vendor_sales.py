"""The vendor's own sales report in the partner admin (/partner/sales/): shop and procurement sales by
month, channel, product and region, with a chart and CSV/XLSX downloads.

Registered on the partner admin site (procurement.admin), so the site's login, two-factor and
permission checks come first. A member sees its own vendors (?vendor= picks one, another's is a
404); an operator may open any vendor's.
"""
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ddasum.spreadsheets import XLSX, attachment_response
from ddasum.views import int_param
from vendors.admin_site import partner_admin_site
from vendors.models import Vendor

from ..selectors import reports
from ..selectors.vendor_sales import (
    vendor_sales_chart_svg,
    vendor_sales_report,
    vendor_sales_sheets,
    vendor_sales_years,
)

OPERATOR_CHOICES_MAX = 500


def _vendor(request) -> tuple[Vendor, list[Vendor]]:
    """The vendor the page is about and the ones to switch between; a vendor out of reach is a 404."""
    ids = partner_admin_site.scope_ids(request)
    wanted = int_param(request.GET.get("vendor"), 1, 2**62)
    if ids is None:  # an operator
        choices = list(Vendor.objects.only("pk", "name", "business_number").order_by("name")[:OPERATOR_CHOICES_MAX])
        vendor = (Vendor.objects.filter(pk=wanted).first() if wanted else (choices[0] if choices else None))
    else:
        choices = list(Vendor.objects.filter(pk__in=ids).only("pk", "name", "business_number").order_by("name"))
        vendor = next((v for v in choices if v.pk == wanted), None) if wanted else (choices[0] if choices else None)
    if vendor is None:
        raise Http404
    return vendor, choices


def vendor_sales_view(request):
    """Sales of a year (tables for one month of it with ?month=), as a page, CSV or XLSX."""
    request.current_app = partner_admin_site.name
    vendor, choices = _vendor(request)
    year = int_param(request.GET.get("year"), 2000, 2100) or timezone.localdate().year
    month = int_param(request.GET.get("month"), 1, 12)
    report = vendor_sales_report(vendor=vendor, year=year, month=month)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        sheets = vendor_sales_sheets(report)
        name = f"sales-{year}{f'-{month:02d}' if month else ''}-{vendor.business_number.replace('-', '')}"
        if fmt == "csv":
            return attachment_response(reports.csv_bytes(sheets), f"{name}.csv")
        return attachment_response(reports.xlsx_bytes(sheets), f"{name}.xlsx", XLSX)
    title = _("%(name)s %(year)s년 매출 보고서") % {"name": vendor.name, "year": year}
    query = f"vendor={vendor.pk}&year={year}" + (f"&month={month}" if month else "")
    return TemplateResponse(request, "admin/partner/sales_report.html", {
        **partner_admin_site.each_context(request), "title": title, "report": report, "vendor": vendor,
        "vendors": choices, "year": year, "month": month, "years": vendor_sales_years(vendor),
        "month_choices": range(1, 13), "query": query, "period": report.period,
        "chart": mark_safe(vendor_sales_chart_svg(report)),  # noqa: S308 (built and escaped in ddasum.charts)
    })
