"""The change list on a phone (scoped admin sites): which columns wait behind "모든 열 보기"."""
from django import template

register = template.Library()

# static/css/partner-mobile.css has a rule per position up to this many columns.
PHONE_MAX_COLUMNS = 16


@register.simple_tag
def phone_hidden_columns(cl) -> str:
    """Classes for the result table naming the columns a phone hides at first ("" when it hides none)."""
    model_admin = cl.model_admin
    hide = getattr(model_admin, "phone_hidden_columns", None)
    if hide is None:
        return ""
    return " ".join(f"phone-hide-{i}" for i in hide(cl.list_display) if i <= PHONE_MAX_COLUMNS)
