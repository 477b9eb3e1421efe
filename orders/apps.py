from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("주문")

    def ready(self):
        # Django's way to connect an app's receivers: the anonymous cart merges into the user's on login.
        # vendors (the lower app) asks these for its performance rows and its terminations.
        from vendors.performance import performance_provider_register
        from vendors.services import vendor_termination_step_register

        from . import signals  # noqa: F401
        from .services.performance import vendor_order_metrics
        from .services.settlements import vendor_owed_settle

        performance_provider_register(vendor_order_metrics)
        vendor_termination_step_register(vendor_owed_settle)
