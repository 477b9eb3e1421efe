"""A small browser for the multi-node test: one cookie jar (cookies ignore ports, so the same
session goes to every node on 127.0.0.1), CSRF from the cookie, form and multipart posts."""
import http.cookiejar
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    url: str

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def request(self, method: str, url: str, *, data: bytes | None = None, headers: dict | None = None) -> Answer:
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as response:
                return Answer(response.status, dict(response.headers), response.read(), url)
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, dict(exc.headers), exc.read(), url)
        except urllib.error.URLError as exc:  # not listening (yet): status 0
            return Answer(0, {}, str(exc.reason).encode(), url)

    def get(self, url: str, **headers) -> Answer:
        return self.request("GET", url, headers=headers)

    def post(self, url: str, fields: dict, files: dict | None = None, headers: dict | None = None) -> Answer:
        """A form post with the CSRF token from the cookie (GET a page of the site first)."""
        fields = {"csrfmiddlewaretoken": self.cookie("csrftoken"), **fields}
        headers = {"Referer": url, **(headers or {})}
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in fields.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
            for name, (filename, content, content_type) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                             f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
            parts.append(f"--{boundary}--\r\n".encode())
            data = b"".join(parts)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            data = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self.request("POST", url, data=data, headers=headers)
