"""Receipts, statements and packing slips as PDFs (WeasyPrint), made by Celery tasks."""
__all__: list[str] = []
