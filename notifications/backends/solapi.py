"""Solapi (솔라피) messages API v4: SMS/LMS and 카카오 알림톡, as Solapi documents it.

Authentication (docs.solapi.com, "API Key 인증"): every request carries
    Authorization: HMAC-SHA256 apiKey=<key>, date=<ISO 8601>, salt=<random>, signature=<hex>
where signature = hex(HMAC-SHA256(api secret, date + salt)). Sending is
    POST /messages/v4/send-many/detail   {"messages": [...], "showMessageList": true}
and answers with `groupInfo` (the group id), `failedMessageList` (messages refused at
registration, each with statusCode and statusMessage) and `messageList` (the accepted ones,
each with messageId and statusCode "2000"). A 알림톡 is a message of type "ATA" with
`kakaoOptions` {pfId, templateId, variables {"#{name}": value}, disableSms}; with disableSms
false Solapi itself replaces an undeliverable 알림톡 by an SMS/LMS carrying `text`.
A 알림톡 refused outright comes back here as ok=False, and the service sends the SMS itself.
"""
import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from http.client import HTTPException

from django.conf import settings
from django.utils import timezone

from . import ProviderUnavailable, SendResult, TextMessage

logger = logging.getLogger(__name__)

SEND_PATH = "/messages/v4/send-many/detail"
ACCEPTED = "2000"
# An SMS carries 90 bytes (Korean counts two, as in EUC-KR); longer texts go as LMS.
SMS_MAX_BYTES = 90


def authorization(api_key: str, api_secret: str, *, date: str | None = None, salt: str | None = None) -> str:
    """The Authorization header Solapi checks (date and salt are fresh unless given)."""
    date = date or timezone.now().replace(microsecond=0).isoformat()
    salt = salt or secrets.token_hex(16)
    signature = hmac.new(api_secret.encode(), (date + salt).encode(), hashlib.sha256).hexdigest()
    return f"HMAC-SHA256 apiKey={api_key}, date={date}, salt={salt}, signature={signature}"


def text_type(text: str) -> str:
    try:
        size = len(text.encode("euc-kr"))
    except UnicodeEncodeError:
        size = len(text.encode("utf-8"))
    return "SMS" if size <= SMS_MAX_BYTES else "LMS"


def message_body(message: TextMessage, *, sender: str, pf_id: str) -> dict:
    """One entry of `messages`, as Solapi documents it."""
    entry = {"to": message.to, "from": sender, "text": message.text}
    if message.channel == "alimtalk":
        entry["type"] = "ATA"
        entry["kakaoOptions"] = {
            "pfId": pf_id,
            "templateId": message.template_id,
            "variables": {f"#{{{k}}}": str(v) for k, v in message.variables.items()},
            "disableSms": False,
        }
    else:
        entry["type"] = text_type(message.text)
        if entry["type"] == "LMS" and message.subject:
            entry["subject"] = message.subject[:20]
    return entry


class SolapiBackend:
    name = "solapi"

    def __init__(self):
        self.url = settings.SOLAPI_API_URL.rstrip("/") + SEND_PATH
        self.api_key = settings.SOLAPI_API_KEY
        self.api_secret = settings.SOLAPI_API_SECRET
        self.sender = settings.SOLAPI_SENDER
        self.pf_id = settings.SOLAPI_PF_ID
        self.timeout = settings.SOLAPI_TIMEOUT_SECONDS

    def send(self, message: TextMessage) -> SendResult:
        payload = {"messages": [message_body(message, sender=self.sender, pf_id=self.pf_id)], "showMessageList": True}
        request = urllib.request.Request(
            self.url, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
            headers={"Authorization": authorization(self.api_key, self.api_secret),
                     "Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            if exc.code >= 500 or exc.code == 429:
                raise ProviderUnavailable(f"solapi {exc.code}") from exc
            try:
                error = json.loads(raw or b"{}")
            except ValueError:
                error = {}
            return SendResult(ok=False, code=str(error.get("errorCode") or exc.code),
                              detail=str(error.get("errorMessage") or exc.reason)[:300])
        except (urllib.error.URLError, HTTPException, TimeoutError, ValueError) as exc:
            raise ProviderUnavailable(f"solapi: {exc}") from exc
        return self._result(answer)

    @staticmethod
    def _result(answer: dict) -> SendResult:
        group = answer.get("groupInfo") or {}
        group_id = str(group.get("groupId") or group.get("_id") or "")
        failed = answer.get("failedMessageList") or []
        if failed:
            first = failed[0]
            return SendResult(ok=False, message_id=str(first.get("messageId") or ""), group_id=group_id,
                              code=str(first.get("statusCode") or ""), detail=str(first.get("statusMessage") or "")[:300])
        listed = answer.get("messageList") or []
        first = listed[0] if listed else {}
        code = str(first.get("statusCode") or "")
        return SendResult(ok=code == ACCEPTED, message_id=str(first.get("messageId") or ""), group_id=group_id,
                          code=code, detail=str(first.get("statusMessage") or "")[:300])
