from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    """The vendor's to-do: the partner dashboard's counts and the daily digest of them.

    It sits at the top of the layers (beside mypage) because it counts what orders, procurement,
    reviews, catalog and vendors each keep for a vendor; the lower apps know nothing of it.
    """

    name = "workbench"
    verbose_name = _("입점기업 할 일")
