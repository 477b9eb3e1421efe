"""Development backends: write the message to the log (console) or keep it in memory (tests)."""
import logging
import uuid

from . import SendResult, TextMessage

logger = logging.getLogger("notifications.text")


class ConsoleBackend:
    """Logs every SMS/알림톡 instead of sending it (the embedded default)."""

    name = "console"

    def send(self, message: TextMessage) -> SendResult:
        logger.info("%s to %s%s:\n%s", message.channel, message.to,
                    f" (template {message.template_id})" if message.template_id else "", message.text)
        return SendResult(ok=True, message_id=f"console-{uuid.uuid4().hex[:16]}", code="2000", detail="console")


class LocmemBackend:
    """Keeps every message in `LocmemBackend.outbox` (like Django's locmem mail backend)."""

    name = "locmem"
    outbox: list[TextMessage] = []

    def send(self, message: TextMessage) -> SendResult:
        type(self).outbox.append(message)
        return SendResult(ok=True, message_id=f"locmem-{len(self.outbox)}", code="2000", detail="locmem")
