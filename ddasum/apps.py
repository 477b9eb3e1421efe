from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DdasumConfig(AppConfig):
    name = "ddasum"
    verbose_name = _("따숨")

    def ready(self):
        # The outbox's task_postrun receiver is connected when ddasum.jobs is imported: import it
        # here, so every process (web, worker, beat) marks the outbox rows of the tasks it runs.
        from . import jobs  # noqa: F401
