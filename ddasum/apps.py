from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class DdasumConfig(AppConfig):
    default = True  # "ddasum" in INSTALLED_APPS; OperatorAdminConfig below is named on its own
    name = "ddasum"
    verbose_name = _("따숨")

    def ready(self):
        # The outbox's task_postrun receiver is connected when ddasum.jobs is imported: import it
        # here, so every process (web, worker, beat) marks the outbox rows of the tasks it runs.
        from . import jobs  # noqa: F401


class OperatorAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the operator's site (second factor required) as `admin.site`."""

    default = False
    default_site = "ddasum.admin_site.OperatorAdminSite"
