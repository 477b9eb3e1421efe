"""A local stand-in for Solapi's messages API v4, served over real HTTP for the tests.

    solapi = FakeSolapi(api_key="k", api_secret="s").start()
    settings.SOLAPI_API_URL = solapi.url
    solapi.mode = "reject_ata"         # "accept" (default), "reject_ata", "error" (500)
    solapi.requests                    # every request: headers and parsed body
    solapi.stop()

It checks what Solapi checks: the Authorization header `HMAC-SHA256 apiKey=…, date=…, salt=…,
signature=…` with signature = hex(HMAC-SHA256(secret, date + salt)), a date within 15 minutes,
a salt not used before (403 otherwise), and the body of POST /messages/v4/send-many/detail:
`messages`, each with to, from, text and type (SMS, LMS or ATA; an ATA with kakaoOptions pfId,
templateId and variables keyed "#{…}"). It answers like Solapi: groupInfo, failedMessageList,
messageList.
"""
import hashlib
import hmac
import json
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

AUTH = re.compile(r"^HMAC-SHA256 apiKey=([^,]+), date=([^,]+), salt=([^,]+), signature=([0-9a-f]{64})$")


@dataclass
class Recorded:
    path: str
    headers: dict
    body: dict


class FakeSolapi:
    def __init__(self, *, api_key: str, api_secret: str):
        self.api_key, self.api_secret = api_key, api_secret
        self.mode = "accept"
        self.requests: list[Recorded] = []
        self.accepted: list[dict] = []  # the messages it took
        self._salts: set[str] = set()
        self._lock = threading.Lock()
        self._server = self._thread = None

    def start(self) -> "FakeSolapi":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = fake._handle(self.path, dict(self.headers), raw)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- what Solapi checks ---------------------------------------------------------

    def _auth_error(self, header: str) -> str | None:
        match = AUTH.match(header or "")
        if not match:
            return "InvalidAuthorizationHeader"
        key, date, salt, signature = match.groups()
        if key != self.api_key:
            return "InvalidApiKey"
        expected = hmac.new(self.api_secret.encode(), (date + salt).encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return "SignatureDoesNotMatch"
        try:
            when = datetime.fromisoformat(date)
        except ValueError:
            return "InvalidDate"
        if when.tzinfo is None or abs(datetime.now(UTC) - when) > timedelta(minutes=15):
            return "RequestTimeTooSkewed"
        if not 12 <= len(salt) <= 64:
            return "InvalidSalt"
        with self._lock:
            if salt in self._salts:
                return "DuplicatedSignature"
            self._salts.add(salt)
        return None

    @staticmethod
    def _shape_error(body: dict) -> str | None:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "messages is required"
        for m in messages:
            if not all(isinstance(m.get(f), str) and m.get(f) for f in ("to", "from", "text", "type")):
                return "to, from, text and type are required"
            if not m["to"].isdigit() or not m["from"].isdigit():
                return "numbers are digits only"
            if m["type"] not in ("SMS", "LMS", "ATA"):
                return f"unknown type {m['type']}"
            if m["type"] == "ATA":
                options = m.get("kakaoOptions") or {}
                if not options.get("pfId") or not options.get("templateId"):
                    return "kakaoOptions.pfId and templateId are required"
                variables = options.get("variables") or {}
                if not all(re.fullmatch(r"#\{[^}]+\}", k) and isinstance(v, str) for k, v in variables.items()):
                    return "variables are {\"#{name}\": \"value\"}"
            elif "kakaoOptions" in m:
                return "kakaoOptions only with ATA"
            if m["type"] == "SMS" and len(m["text"].encode("euc-kr", "replace")) > 90:
                return "SMS is 90 bytes at most"
        return None

    def _handle(self, path: str, headers: dict, raw: bytes) -> tuple[int, dict]:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        with self._lock:
            self.requests.append(Recorded(path=path, headers=headers, body=body))
        if path != "/messages/v4/send-many/detail":
            return 404, {"errorCode": "NotFound", "errorMessage": path}
        error = self._auth_error(headers.get("Authorization", ""))
        if error:
            return 403, {"errorCode": error, "errorMessage": "인증 실패"}
        if self.mode == "error":
            return 500, {"errorCode": "InternalError", "errorMessage": "잠시 후 다시 시도해 주세요."}
        shape = self._shape_error(body)
        if shape:
            return 400, {"errorCode": "ValidationError", "errorMessage": shape}
        group_id = f"G4V{uuid.uuid4().hex[:20].upper()}"
        failed, listed = [], []
        for m in body["messages"]:
            message_id = f"M4V{uuid.uuid4().hex[:20].upper()}"
            if m["type"] == "ATA" and self.mode == "reject_ata":
                failed.append({"to": m["to"], "from": m["from"], "type": "ATA", "messageId": message_id,
                               "statusCode": "3104", "statusMessage": "카카오톡 템플릿이 일치하지 않습니다."})
                continue
            with self._lock:
                self.accepted.append(m)
            listed.append({"messageId": message_id, "statusCode": "2000", "statusMessage": "정상 접수(이통사로 접수 예정)"})
        count = {"total": len(body["messages"]), "registeredFailed": len(failed), "registeredSuccess": len(listed)}
        return 200, {"groupInfo": {"groupId": group_id, "_id": group_id, "count": count, "status": "SENDING"},
                     "failedMessageList": failed, "messageList": listed}
