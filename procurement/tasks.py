"""Celery tasks of procurement; each part defines its tasks, this module imports them so workers register them."""
from .bundle import bundle_build_task  # noqa: F401
from .documents import delivery_note_pdf_task, po_pdf_task, quote_pdf_task  # noqa: F401
from .services.agencies import agency_confirm_mail_task  # noqa: F401
from .services.needs import need_posted_notify_task, needs_close_due_task, proposal_notify_task  # noqa: F401
from .services.purchases import po_event_notify_task, po_issued_notify_task, po_notice_task, record_decided_notify_task  # noqa: F401
from .services.quotes import quotes_remind_unanswered_task  # noqa: F401
