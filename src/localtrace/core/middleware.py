"""A request id for every request, carried into logs and audit events."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_INCOMING_ID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Use a well-formed X-Request-ID from the proxy, or make one; echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


_PORTAL_TOKEN_IN_PATH = re.compile(r"/p/[^/\s\"?]+")
# Django's reset view swaps the token for "set-password" at once; the first request still carries it.
_RESET_TOKEN_IN_PATH = re.compile(r"(/password-reset/[^/\s\"?]+/)(?!set-password\b)[^/\s\"?]+")


class PortalTokenLogFilter(logging.Filter):
    """Tokens that open something are in the path of their first request: a portal link (`/p/…`) and a staff
    password-reset or invitation link. A log line (the development server's request log, for one) shows
    `/p/[link]` and `/password-reset/…/[token]` instead, so a log reader can open neither."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/p/" in message or "/password-reset/" in message:
            message = _PORTAL_TOKEN_IN_PATH.sub("/p/[link]", message)
            record.msg, record.args = _RESET_TOKEN_IN_PATH.sub(r"\1[token]", message), ()
        return True
