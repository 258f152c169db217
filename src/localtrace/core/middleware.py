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


FORM_ONLY = (
    "That address is where a form is sent, so it cannot be opened on its own: this is the page the form is on. "
    "If you had filled the form in, it was not saved (your session may have ended): please enter it again."
)


class FormOnlyAddressMiddleware:
    """An address that only takes a form (its view answers GET with 405) opened in the browser: after signing in
    again from a form sent once the session had timed out (the sign-in returns to where the form went), a reload
    after an error, a bookmark. Instead of the browser's blank "HTTP ERROR 405", the person goes to the page the
    form is on (the nearest address above it that exists) and is told nothing was saved. The API, htmx and
    anything not asking for a web page (Notify's delivery receipts) keep their 405."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code != 405
            or request.method not in ("GET", "HEAD")
            or request.path_info.startswith("/api/")
            or request.headers.get("HX-Request")
            or "text/html" not in request.headers.get("Accept", "")  # a browser's page; not a machine's callback
        ):
            return response
        from django.contrib import messages
        from django.contrib.messages.storage.base import BaseStorage
        from django.shortcuts import redirect
        from django.urls import Resolver404, resolve

        parent = request.path_info
        while parent != "/":
            parent = parent.rstrip("/").rpartition("/")[0] + "/"
            try:
                resolve(parent)
            except Resolver404:
                continue  # /users/1/memberships/1/remove/ is on /users/1/
            break
        stored = messages.get_messages(request)
        already = any(str(m) == FORM_ONLY for m in stored)
        if isinstance(stored, BaseStorage):
            stored.used = False  # looking does not use them up: they are still shown on the next page
        if not already:  # the parent takes only forms too: said once, however many steps up
            messages.info(request, FORM_ONLY)
        return redirect(request.path[: len(request.path) - len(request.path_info)] + parent)  # under a script prefix
