def login_username(request, credentials) -> str | None:
    """The name django-axes counts failures under: the email, lower-cased, so A@x and a@x share a count."""
    value = (credentials or {}).get("username") or request.POST.get("username")
    return value.strip().lower() if value else None
