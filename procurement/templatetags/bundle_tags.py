"""`{% bundle_state quote as state %}`: the document bundle of a quote as the quote page shows it."""
from django import template

from procurement.services.bundle import bundle_state as _bundle_state

register = template.Library()


@register.simple_tag
def bundle_state(quote) -> dict:
    return _bundle_state(quote)
