from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("공공구매")

    def ready(self):
        # An agency may read a vendor's documents once the vendor submitted it a quote: vendors (the lower app)
        # asks the rules registered with it. The imports wait for ready() because both modules
        # import models, which cannot be loaded while apps.py itself is (Django's documented way).
        from vendors.selectors import document_access_rule_register

        from .selectors.access import agency_document_grant

        document_access_rule_register(agency_document_grant)

        from vendors.performance import performance_provider_register

        from .selectors.performance import vendor_quote_metrics

        performance_provider_register(vendor_quote_metrics)
