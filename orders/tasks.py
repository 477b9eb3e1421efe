"""Celery finds the orders app's tasks here; each part of the app keeps its own in its module."""
from .documents import *  # noqa: F401,F403  (document tasks)
from .fulfilment import *  # noqa: F401,F403  (auto-complete)
from .notifications import *  # noqa: F401,F403  (mails and in-app notices)
from .payment_tasks import *  # noqa: F401,F403  (expiry of unpaid orders)
from .settlements import *  # noqa: F401,F403  (monthly settlements)
