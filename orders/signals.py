"""Merge the visitor's anonymous cart into their own when they sign in."""
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services.cart import cart_merge

# login() gives the session a new key before user_logged_in is sent, so the anonymous cart's
# key is remembered in the session's data, which login keeps.
CART_SESSION_KEY = "orders:cart_session_key"


@receiver(user_logged_in, dispatch_uid="orders.cart_merge_on_login")
def cart_merge_on_login(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    key = session.pop(CART_SESSION_KEY, None)
    if key:
        cart_merge(session_key=key, user=user)
