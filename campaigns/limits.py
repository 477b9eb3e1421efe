"""TEMPORARY: orders still imports `campaigns.limits`; the names now live in campaigns.services.limits.

Delete this module when orders' imports are rewritten (wave 2 merge); nothing in campaigns uses it.
"""
from .services.limits import TakeResult, customer_key, customer_uses, item_release, item_take  # noqa: F401
