import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ddasum.settings")
application = get_wsgi_application()

# Finalise the Celery app and import every app's tasks now, as a worker starts: otherwise the
# first request that queues a task (the first order after each restart) pays ~0.3 s for it.
from ddasum import jobs  # noqa: E402 (needs the apps loaded above)

jobs.registry_load()
