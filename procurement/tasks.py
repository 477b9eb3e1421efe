"""Celery tasks of procurement; each part defines its tasks, this module imports them so workers register them."""
from .documents import delivery_note_pdf_task, po_pdf_task, quote_pdf_task  # noqa: F401
