"""Admin registrations (filled in by its part)."""
