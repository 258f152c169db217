"""A local stand-in for the GOV.UK Notify API, so the Notify backend is tested end to end without the real service.

It listens on 127.0.0.1 on a free port, checks each request's JWT the way Notify does (HS256,
`iss` = the service id, `iat` within 30 seconds, signed with the key's secret), records what it
was asked, and answers with the documented status codes and error bodies. Tests choose the next
answers with `fail_next(...)`.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

SERVICE_ID = "1b7c6d3e-6f1a-4c1e-9a4e-6b7f1d0c2a11"
SECRET = "5f2b1a9c-3d4e-4f6a-8b7c-9d0e1f2a3b4c"
API_KEY = f"localtrace_tests-{SERVICE_ID}-{SECRET}"

# Notify's documented error answers: status code, error name, message.
VALIDATION_ERROR = (400, "ValidationError", "phone_number Not a UK mobile number")
BAD_EMAIL = (400, "ValidationError", "email_address Not a valid email address")
TRIAL_MODE = (400, "BadRequestError", "Can't send to this recipient when service is in trial mode")
AUTH_ERROR = (403, "AuthError", "Invalid token: API key not found")
RATE_LIMIT = (429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds")
DAILY_LIMIT = (429, "TooManyRequestsError", "Exceeded send limits (250000) for today")
SERVER_ERROR = (500, "Exception", "Internal server error")


@dataclass
class Recorded:
    path: str
    body: dict[str, Any]
    authorization: str


@dataclass
class FakeNotify:
    server: ThreadingHTTPServer
    requests: list[Recorded] = field(default_factory=list)
    answers: list[tuple[int, str, str]] = field(default_factory=list)
    # Notifications it took, as GET /v2/notifications lists them.
    notifications: list[dict[str, Any]] = field(default_factory=list)
    answers_to_lose: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, *answers: tuple[int, str, str]) -> None:
        """The next requests get these errors, in order; after them, success again."""
        with self.lock:
            self.answers.extend(answers)

    def lose_next_answer(self) -> None:
        """The next notification is taken, but the connection closes before the answer (as on a timeout)."""
        with self.lock:
            self.answers_to_lose += 1

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _check_token(authorization: str) -> str:
    """'' when the Authorization header is a valid Notify JWT for our fake service; otherwise Notify's reason."""
    if not authorization.startswith("Bearer "):
        return "Unauthorized: authentication token must be provided"
    token = authorization.removeprefix("Bearer ")
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": False})
    except jwt.PyJWTError:
        return "Invalid token: signature, api token not found"
    if header.get("typ") != "JWT" or header.get("alg") != "HS256":
        return "Invalid token: algorithm used is not HS256"
    if claims.get("iss") != SERVICE_ID:
        return "Invalid token: service not found"
    if not isinstance(claims.get("iat"), int) or abs(time.time() - claims["iat"]) > 30:
        return "Error: Your system clock must be accurate to within 30 seconds"
    return ""


def _handler(fake: FakeNotify) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, name: str, message: str) -> None:
            self._answer(status, {"status_code": status, "errors": [{"error": name, "message": message}]})

        def _accepted(self, body: dict[str, Any]) -> bool:
            """Record the request; answer its token problem or a forced error and say False, else True."""
            authorization = self.headers.get("Authorization", "")
            with fake.lock:
                fake.requests.append(Recorded(path=self.path, body=body, authorization=authorization))
                forced = fake.answers.pop(0) if fake.answers else None
            problem = _check_token(authorization)
            if problem:
                self._error(403, "AuthError", problem)
            elif forced is not None:
                self._error(*forced)
            return not problem and forced is None

        def do_GET(self) -> None:
            if not self._accepted({}):
                return
            url = urllib.parse.urlsplit(self.path)
            with fake.lock:
                listed = list(fake.notifications)
            if url.path != "/v2/notifications":
                self._error(404, "NotFoundError", "Not Found")
                return
            reference = urllib.parse.parse_qs(url.query).get("reference", [None])[0]
            found = [n for n in reversed(listed) if reference is None or n["reference"] == reference]
            self._answer(200, {"notifications": found, "links": {"current": f"{fake.base_url}{self.path}"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"_unreadable": raw.decode(errors="replace")}
            if not self._accepted(body):
                return
            kind = self.path.removeprefix("/v2/notifications/")
            field_name = {"sms": "phone_number", "email": "email_address"}.get(kind)
            if field_name is None:
                self._error(404, "NotFoundError", "Not Found")
                return
            missing = [f for f in (field_name, "template_id") if not body.get(f)]
            if missing:
                self._error(400, "ValidationError", f"{missing[0]} is a required property")
                return
            personalisation = body.get("personalisation") or {}
            notification_id = str(uuid.uuid4())
            content: dict[str, Any] = {"body": personalisation.get("body", "")}
            if kind == "sms":
                content["from_number"] = "GOVUK"
            else:
                content.update(
                    subject=personalisation.get("subject", ""), from_email="service@notifications.service.gov.uk"
                )
            with fake.lock:
                fake.notifications.append(
                    {"id": notification_id, "reference": body.get("reference"), "type": kind, "status": "created"}
                )
                lose = fake.answers_to_lose > 0
                fake.answers_to_lose -= 1 if lose else 0
            if lose:
                self.close_connection = True
                return
            self._answer(
                201,
                {
                    "id": notification_id,
                    "reference": body.get("reference"),
                    "content": content,
                    "uri": f"{fake.base_url}/v2/notifications/{notification_id}",
                    "template": {"id": body["template_id"], "version": 1, "uri": f"{fake.base_url}/v2/template/x"},
                },
            )

    return Handler


def start() -> FakeNotify:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    fake = FakeNotify(server=server)
    server.RequestHandlerClass = _handler(fake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake
