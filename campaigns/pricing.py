"""TEMPORARY: orders still imports `campaigns.pricing`; the rule now lives in campaigns.selectors.pricing.

Delete this module when orders' imports are rewritten (wave 2 merge); nothing in campaigns uses it.
"""
from .selectors.pricing import CampaignPrice, campaign_prices  # noqa: F401
