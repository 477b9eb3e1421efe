from .selectors import partner_readable_vendor_ids


def partner(request):
    """Whether the header shows the link to the partner admin."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"has_partner_admin": user.is_staff or bool(partner_readable_vendor_ids(user))}
