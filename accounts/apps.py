from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("회원")

    def ready(self):
        # The operators' login history listens to Django's login signals.
        from . import security  # noqa: F401
