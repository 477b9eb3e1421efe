"""A local stand-in for a Toss Payments-style gateway, served over real HTTP for the tests.

    gateway = FakeGateway().start()      # 127.0.0.1, a free port, in a thread
    settings.PAYMENT_GATEWAY_URL = gateway.url
    gateway.mode = "decline"             # or queue answers: gateway.queue("slow", "success")
    ...
    gateway.requests                     # every request: path, headers, body (parsed JSON)
    gateway.stop()

Modes: "success" (200, status DONE with suppliedAmount, vat, taxFreeAmount, approvedAt;
a cancel answers CANCELED/PARTIAL_CANCELED), "decline" (400 with code and message),
"slow" (sleeps `slow_seconds`, then answers as "success"), "error" (500).
Like the real gateway it remembers answers by Idempotency-Key: a retry with the same key
gets the first answer again, whatever the mode is by then.
"""
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DECLINE = {"code": "REJECT_CARD_COMPANY", "message": "카드사에서 결제를 거절했습니다. 카드사에 문의해 주세요."}
CANCEL_DECLINE = {"code": "NOT_CANCELABLE_PAYMENT", "message": "취소할 수 없는 결제입니다."}


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: dict


class FakeGateway:
    def __init__(self, *, tax_free_amount: int = 0, slow_seconds: float = 2.0):
        self.mode = "success"
        self.tax_free_amount = tax_free_amount
        self.slow_seconds = slow_seconds
        self.requests: list[Recorded] = []
        self._queue: list[str] = []
        self._answers: dict[str, tuple[int, dict]] = {}  # by Idempotency-Key
        self._cancelled: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    # --- control -------------------------------------------------------------------

    def start(self) -> "FakeGateway":
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (the stdlib's name)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                status, data = gateway._answer(Recorded("POST", self.path, dict(self.headers.items()), body))
                payload = json.dumps(data, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def queue(self, *modes: str) -> None:
        """Answer the next requests in these modes, then fall back to `mode`."""
        with self._lock:
            self._queue.extend(modes)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def confirms(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/v1/payments/confirm"]

    # --- answers -------------------------------------------------------------------

    def _answer(self, request: Recorded) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(request)
            key = request.headers.get("Idempotency-Key", "")
            if key and key in self._answers:
                return self._answers[key]
            mode = self._queue.pop(0) if self._queue else self.mode
        if mode == "slow":
            time.sleep(self.slow_seconds)
            mode = "success"
        answer = self._make(mode, request)
        with self._lock:
            if key:
                self._answers[key] = answer
        return answer

    def _make(self, mode: str, request: Recorded) -> tuple[int, dict]:
        cancel = request.path.endswith("/cancel")
        if mode == "decline":
            return 400, CANCEL_DECLINE if cancel else DECLINE
        if mode == "error":
            return 500, {"code": "FAILED_INTERNAL_SYSTEM_PROCESSING", "message": "내부 시스템 처리 작업이 실패했습니다."}
        body = request.body
        if cancel:
            payment_key = request.path.split("/")[3]
            with self._lock:
                self._cancelled[payment_key] = self._cancelled.get(payment_key, 0) + int(body.get("cancelAmount", 0))
            return 200, {"paymentKey": payment_key, "status": "PARTIAL_CANCELED", "cancels": [
                {"cancelAmount": body.get("cancelAmount"), "cancelReason": body.get("cancelReason"),
                 "canceledAt": "2026-11-22T15:00:00+09:00"}]}
        amount = int(body.get("amount", 0))
        tax_free = min(self.tax_free_amount, amount)
        vat = round((amount - tax_free) / 11)
        return 200, {
            "paymentKey": body.get("paymentKey"), "orderId": body.get("orderId"), "status": "DONE", "method": "카드",
            "totalAmount": amount, "balanceAmount": amount, "suppliedAmount": amount - tax_free - vat, "vat": vat,
            "taxFreeAmount": tax_free, "approvedAt": "2026-11-22T14:05:30+09:00", "requestedAt": "2026-11-22T14:05:00+09:00",
            "card": {"company": "현대", "number": "433012******1234", "approveNo": "00000000"},
        }
