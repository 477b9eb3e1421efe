def notifications(request):
    """The unread count for the header's bell (one query, only for signed-in users)."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {"unread_notifications": user.notifications.unread().count()}
