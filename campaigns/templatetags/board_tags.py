"""Template helpers of the board and the campaign-mail consent box."""
from django import template

from campaigns.services.subscriptions import CONSENT_TEXT, subscription_for_user

register = template.Library()


@register.simple_tag
def subscribe_consent_text() -> str:
    """The consent sentence, the same one the subscribe view stores."""
    return str(CONSENT_TEXT)


@register.simple_tag(takes_context=True)
def subscribe_state(context):
    """The signed-in user's own subscription (None for visitors, without a query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return subscription_for_user(user) if user is not None else None
