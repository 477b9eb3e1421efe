"""Generated procurement PDFs: quotes, purchase orders (발주서), delivery notes (납품서).

PLACEHOLDER written by the coordinator so other parts can call the tasks; the documents
helper replaces this module with the real implementation (same names and signatures).
"""
from celery import shared_task


def quote_pdf_make(*, version_id: int):
    """Render and store the quote version's PDF (idempotent by fingerprint)."""
    return None


def po_pdf_make(*, po_id: int):
    """Render and store the purchase order's PDF (발주서)."""
    return None


def delivery_note_pdf_make(*, po_id: int):
    """Render and store the delivery note (납품서) once the order is delivered."""
    return None


@shared_task
def quote_pdf_task(*, version_id: int):
    quote_pdf_make(version_id=version_id)


@shared_task
def po_pdf_task(*, po_id: int):
    po_pdf_make(po_id=po_id)


@shared_task
def delivery_note_pdf_task(*, po_id: int):
    delivery_note_pdf_make(po_id=po_id)
