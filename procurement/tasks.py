"""Celery tasks of procurement; each part defines its tasks, this module imports them so workers register them."""
