"""The procurement API under /api/procurement/: serializers.py, views.py (with who may), urls.py."""
