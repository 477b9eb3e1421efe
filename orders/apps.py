from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("주문")

    def ready(self):
        # Django's way to connect an app's receivers: the anonymous cart merges into the user's on login.
        from . import signals  # noqa: F401
