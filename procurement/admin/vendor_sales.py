"""The vendor's sales report, a page of the partner admin (/partner/sales/)."""
from vendors.admin_site import partner_admin_site

from ..views.vendor_sales import vendor_sales_view

partner_admin_site.register_page("sales/", vendor_sales_view, name="sales_report")
