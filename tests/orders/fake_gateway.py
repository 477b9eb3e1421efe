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

It also keeps the payments it approved, as the PG does, and answers the documented lookups
(`GET /v1/payments/{paymentKey}`, `GET /v1/transactions?startDate&endDate`), cash receipts
(`POST /v1/cash-receipts`, `POST /v1/cash-receipts/{receiptKey}/cancel`) and serves a stand-in of
its payment-window SDK at `/v2/standard` (the same JS interface; `window_mode` "success",
"decline" or "cancel"; `window_amount` sends back another amount, as a tampered browser would).
With `virtual_account = True` a confirmation issues a virtual account (WAITING_FOR_DEPOSIT, with
its `secret`); `deposit(payment_key)` marks it DONE and returns the DEPOSIT_CALLBACK body to send.
"""
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SDK_STANDIN = Path(__file__).resolve().parents[2] / "static" / "js" / "pg-sdk-standin.js"

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
        self.virtual_account = False
        self.window_mode = "success"
        self.window_amount = None
        self.payments: dict[str, dict] = {}  # the PG's record, by paymentKey
        self.receipts: dict[str, dict] = {}
        self.transactions: list[dict] = []

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

            def do_GET(self):  # noqa: N802
                parsed = urllib.parse.urlsplit(self.path)
                gateway.requests.append(Recorded("GET", self.path, dict(self.headers.items()), {}))
                if parsed.path == "/v2/standard":
                    prefix = f"window.__PG_STANDIN_MODE = {json.dumps(gateway.window_mode)};\n"
                    if gateway.window_amount is not None:
                        prefix += f"window.__PG_STANDIN_AMOUNT = {json.dumps(str(gateway.window_amount))};\n"
                    self._reply(200, (prefix + SDK_STANDIN.read_text()).encode(), "application/javascript")
                    return
                status, data = gateway._lookup(parsed.path, urllib.parse.parse_qs(parsed.query),
                                               self.headers.get("Authorization", ""))
                self._reply(status, json.dumps(data, ensure_ascii=False).encode(), "application/json; charset=utf-8")

            def _reply(self, status, payload, content_type):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

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
        cancel = request.path.startswith("/v1/payments/") and request.path.endswith("/cancel")
        receipt = request.path.startswith("/v1/cash-receipts")
        if mode == "decline":
            if receipt:
                return 400, {"code": "INVALID_REQUEST", "message": "잘못된 요청입니다."}
            return 400, CANCEL_DECLINE if cancel else DECLINE
        if mode == "error":
            return 500, {"code": "FAILED_INTERNAL_SYSTEM_PROCESSING", "message": "내부 시스템 처리 작업이 실패했습니다."}
        body = request.body
        if receipt:
            return self._receipt(request)
        if cancel:
            payment_key = request.path.split("/")[3]
            amount = int(body.get("cancelAmount", 0))
            with self._lock:
                self._cancelled[payment_key] = self._cancelled.get(payment_key, 0) + amount
                record = self.payments.get(payment_key)
                if record is None:
                    return 200, {"paymentKey": payment_key, "status": "PARTIAL_CANCELED", "cancels": [
                        {"cancelAmount": amount, "cancelReason": body.get("cancelReason"),
                         "canceledAt": "2026-11-22T15:00:00+09:00"}]}
                record["balanceAmount"] -= amount
                record["status"] = "CANCELED" if record["balanceAmount"] <= 0 else "PARTIAL_CANCELED"
                cancel_row = {"cancelAmount": amount, "cancelReason": body.get("cancelReason"),
                              "taxFreeAmount": body.get("taxFreeAmount", 0), "transactionKey": f"tx_c_{len(self.transactions)}",
                              "canceledAt": "2026-11-22T15:00:00+09:00", "cancelStatus": "DONE"}
                record.setdefault("cancels", []).append(cancel_row)
                if record.get("virtualAccount"):
                    record["virtualAccount"]["refundStatus"] = "COMPLETED"
                self.transactions.append({"transactionKey": cancel_row["transactionKey"], "paymentKey": payment_key,
                                          "orderId": record["orderId"], "method": record["method"], "status": record["status"],
                                          "amount": amount, "transactionAt": "2026-11-22T15:00:00+09:00"})
                return 200, json.loads(json.dumps(record))
        amount = int(body.get("amount", 0))
        tax_free = min(self.tax_free_amount, amount)
        vat = round((amount - tax_free) / 11)
        key = body.get("paymentKey")
        if self.virtual_account:
            record = {
                "paymentKey": key, "orderId": body.get("orderId"), "status": "WAITING_FOR_DEPOSIT", "method": "가상계좌",
                "totalAmount": amount, "balanceAmount": amount, "suppliedAmount": 0, "vat": 0, "taxFreeAmount": tax_free,
                "requestedAt": "2026-11-22T14:05:00+09:00", "approvedAt": None, "secret": f"ps_secret_{key}",
                "virtualAccount": {"accountType": "일반", "accountNumber": "X6505636518308", "bankCode": "20",
                                   "customerName": "김구매", "dueDate": "2099-11-25T23:59:59+09:00",
                                   "refundStatus": "NONE", "expired": False, "settlementStatus": "INCOMPLETED"},
            }
        else:
            record = {
                "paymentKey": key, "orderId": body.get("orderId"), "status": "DONE", "method": "카드",
                "totalAmount": amount, "balanceAmount": amount, "suppliedAmount": amount - tax_free - vat, "vat": vat,
                "taxFreeAmount": tax_free, "approvedAt": "2026-11-22T14:05:30+09:00", "requestedAt": "2026-11-22T14:05:00+09:00",
                "card": {"company": "현대", "number": "433012******1234", "approveNo": "00000000"},
            }
        with self._lock:
            self.payments[key] = record
            if record["status"] == "DONE":
                self.transactions.append({"transactionKey": f"tx_{len(self.transactions)}", "paymentKey": key,
                                          "orderId": record["orderId"], "method": record["method"], "status": "DONE",
                                          "amount": amount, "transactionAt": "2026-11-22T14:05:30+09:00"})
        return 200, json.loads(json.dumps(record))

    # --- what the PG keeps and answers when asked ------------------------------------------

    def _lookup(self, path: str, query: dict, authorization: str) -> tuple[int, dict | list]:
        if not authorization.startswith("Basic "):
            return 401, {"code": "UNAUTHORIZED_KEY", "message": "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다."}
        with self._lock:
            if path == "/v1/transactions":
                return 200, json.loads(json.dumps(self.transactions))
            if path.startswith("/v1/payments/"):
                record = self.payments.get(path.split("/")[3])
                if record is None:
                    return 404, {"code": "NOT_FOUND_PAYMENT", "message": "존재하지 않는 결제 정보 입니다."}
                return 200, json.loads(json.dumps(record))
        return 404, {"code": "NOT_FOUND", "message": "Not Found"}

    def deposit(self, payment_key: str) -> dict:
        """The buyer paid into the virtual account: the PG's record is DONE; returns the DEPOSIT_CALLBACK body."""
        with self._lock:
            record = self.payments[payment_key]
            record.update(status="DONE", approvedAt="2026-11-23T10:00:00+09:00")
            self.transactions.append({"transactionKey": f"tx_{len(self.transactions)}", "paymentKey": payment_key,
                                      "orderId": record["orderId"], "method": record["method"], "status": "DONE",
                                      "amount": record["totalAmount"], "transactionAt": "2026-11-23T10:00:00+09:00"})
            return {"createdAt": "2026-11-23T10:00:00.000000", "secret": record["secret"], "status": "DONE",
                    "transactionKey": self.transactions[-1]["transactionKey"], "orderId": record["orderId"]}

    def status_changed(self, payment_key: str, **changes) -> dict:
        """Change the PG's record (status, …) and return the PAYMENT_STATUS_CHANGED body to send."""
        with self._lock:
            record = self.payments[payment_key]
            record.update(changes)
            return {"eventType": "PAYMENT_STATUS_CHANGED", "createdAt": "2026-11-23T10:00:01.000000",
                    "data": json.loads(json.dumps(record))}

    def _receipt(self, request: Recorded) -> tuple[int, dict]:
        body = request.body
        with self._lock:
            if request.path == "/v1/cash-receipts":
                key = f"rcpt_{len(self.receipts) + 1}"
                self.receipts[key] = {
                    "receiptKey": key, "issueNumber": f"{len(self.receipts) + 1:09d}", "issueStatus": "COMPLETED",
                    "amount": body.get("amount"), "taxFreeAmount": body.get("taxFreeAmount", 0),
                    "orderId": body.get("orderId"), "orderName": body.get("orderName"), "type": body.get("type"),
                    "transactionType": "CONFIRM", "customerIdentityNumber": body.get("customerIdentityNumber"),
                    "requestedAt": "2026-11-23T10:00:02+09:00",
                    "receiptUrl": f"https://dashboard.tosspayments.com/receipt/cash?ref={key}",
                }
                return 200, dict(self.receipts[key])
            key = request.path.split("/")[3]
            record = self.receipts.get(key)
            if record is None:
                return 404, {"code": "NOT_FOUND_RECEIPT", "message": "존재하지 않는 현금영수증입니다."}
            cancelled = {**record, "transactionType": "CANCEL", "amount": body.get("amount", record["amount"])}
            return 200, cancelled
