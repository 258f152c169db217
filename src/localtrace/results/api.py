"""The laboratories' door: POST a FHIR R4 Bundle of results with a submitter's API token.

The Bundle is processed within the request (it is small), through the same intake
pipeline as files, and answered with an OperationOutcome that accounts for every entry.
A token can submit results and do nothing else: it is not a session and reads no page.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBearer

from localtrace.results import fhir
from localtrace.results.models import Submission, SubmitterToken
from localtrace.results.services import claim, finish, process_batch
from localtrace.results.tokens import verify_token

FHIR_JSON = "application/fhir+json"
ACCEPTED_TYPES = (FHIR_JSON, "application/json", "application/json+fhir")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A result is a Patient, a Specimen and an Observation; a little room for other entries.
ENTRIES_PER_RESULT = 4


def max_results() -> int:
    return int(getattr(settings, "FHIR_MAX_RESULTS", 1000))


def max_body_bytes() -> int:
    return int(getattr(settings, "FHIR_MAX_BODY_BYTES", 10 * 1024 * 1024))


class SubmitterTokenAuth(HttpBearer):
    """`Authorization: Bearer lt_…`: the request acts for the token's submitter, and only submits."""

    def __call__(self, request: HttpRequest) -> SubmitterToken | None:
        # Parsed here rather than by HttpBearer, which logs a malformed header (a secret) in debug.
        scheme, _, secret = (request.headers.get(self.header) or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> SubmitterToken | None:
        return verify_token(token)


class ApiDocs(DocsBase):
    """The API's documentation as a plain page: no script from elsewhere, so the CSP holds."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        schema = api.get_openapi_schema(path_params=kwargs)
        operations = [
            {"method": method.upper(), "path": path, **operation}
            for path, methods in schema["paths"].items()
            for method, operation in methods.items()
        ]
        return render(
            request,
            "results/api_docs.html",
            {
                "api": api,
                "operations": operations,
                "openapi_url": self.get_openapi_url(api, kwargs),
                "max_results": max_results(),
                "max_body_mb": max_body_bytes() // (1024 * 1024),
            },
        )


class ResultsAPI(NinjaAPI):
    """A NinjaAPI whose URLs are outside the staff sign-in: each answers for itself."""

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                # The staff middlewares (sign-in, second factor) skip views marked so; the
                # submit operation demands a token instead and the docs show no data.
                login_not_required(pattern.callback)
        return patterns, app_name, namespace


api = ResultsAPI(
    title="localtrace API",
    version="1",
    description=(
        "Laboratories and testing providers submit SARS-CoV-2 test results as FHIR R4 Bundles. "
        "Each request needs a submitter's API token (Authorization: Bearer lt_…), issued by an administrator. "
        "See docs/intake.md, “The FHIR API”."
    ),
    urls_namespace="api",
    docs=ApiDocs(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def fhir_response(resource: dict[str, Any], status: int, **headers: str) -> HttpResponse:
    return HttpResponse(
        json.dumps(resource, ensure_ascii=False),
        status=status,
        content_type=f"{FHIR_JSON}; charset=utf-8",
        headers={"Cache-Control": "no-store", **headers},
    )


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    # The same answer for a missing, unknown or revoked token: nothing to learn from it.
    outcome = fhir.outcome_for_error(
        "Send a valid API token for your laboratory: Authorization: Bearer lt_…", code="login"
    )
    return fhir_response(outcome, 401, **{"WWW-Authenticate": 'Bearer realm="localtrace"'})


_OUTCOME_SCHEMA = {
    "type": "object",
    "description": "A FHIR R4 OperationOutcome (https://hl7.org/fhir/R4/operationoutcome.html).",
    "properties": {"resourceType": {"const": "OperationOutcome"}, "issue": {"type": "array", "items": {}}},
}
_OPENAPI = {
    "requestBody": {
        "required": True,
        "description": "A FHIR R4 Bundle of type batch: Patient, Specimen and Observation entries per result.",
        "content": {
            media: {"schema": {"type": "object", "properties": {"resourceType": {"const": "Bundle"}}}}
            for media in (FHIR_JSON, "application/json")
        },
    },
    "responses": {
        str(status): {"description": description, "content": {FHIR_JSON: {"schema": _OUTCOME_SCHEMA}}}
        for status, description in (
            (200, "Processed: one issue per result (accepted, quarantined with reasons, or duplicate) and the totals."),
            (400, "Refused as a whole (not JSON, not a Bundle, not valid FHIR R4, or no Observation): nothing taken."),
            (401, "No valid API token."),
            (413, "Too many results in the Bundle, or the body is too large: nothing taken."),
            (415, "Not sent as application/fhir+json or application/json: nothing taken."),
        )
    },
}


@api.post(
    "/fhir/Bundle",
    auth=SubmitterTokenAuth(),
    url_name="fhir-bundle",
    summary="Submit results as a FHIR R4 Bundle",
    description=(
        "Each Observation, with the Patient it is about and its Specimen, is one result. Every result is "
        "accepted, quarantined (with the reasons) or found to be a duplicate; the OperationOutcome says which, "
        "pointing at the entry with an expression such as Bundle.entry[2], and ends with the totals."
    ),
    openapi_extra=_OPENAPI,
    tags=["Results"],
)
def submit_bundle(request: HttpRequest) -> HttpResponse:
    token: SubmitterToken = request.auth  # type: ignore[attr-defined]
    return receive_bundle(request, token)


def receive_bundle(request: HttpRequest, token: SubmitterToken) -> HttpResponse:
    """Check the request as a whole, then account for every result in it."""
    limit = max_body_bytes()
    declared = _content_length(request)
    if declared > limit:
        return _refuse(token, 413, f"The request body is {_mb(declared)}; the limit is {_mb(limit)}.", size=declared)
    body = request.read(limit + 1)
    if len(body) > limit:
        return _refuse(token, 413, f"The request body is over the limit of {_mb(limit)}.", size=len(body))
    if not body:
        return _refuse(token, 400, "The request body is empty: send a FHIR Bundle.")
    if request.content_type not in ACCEPTED_TYPES:
        return _refuse(
            token,
            415,
            f"Send the Bundle as {FHIR_JSON} (or application/json), not {request.content_type or 'no content type'}.",
            body=body,
        )
    try:
        data = fhir.parse_body(body)
        entries, observations = fhir.count_results(data)
        most = max_results()
        if observations > most or entries > most * ENTRIES_PER_RESULT:
            return _refuse(
                token,
                413,
                f"The Bundle has {observations} results in {entries} entries; send at most {most} results "
                f"({most * ENTRIES_PER_RESULT} entries) per request. Nothing from it was taken.",
                body=body,
                code="too-costly",
            )
        fhir.validate_bundle(data)
    except fhir.BundleError as error:
        return _refuse(token, 400, str(error), body=body, code=error.code, issues=error.issues)
    submitter = token.submitter
    read = fhir.read_bundle(data, source_id=submitter.code)
    if not read.rows:
        return _refuse(token, 400, "The Bundle has no Observation entries, so it holds no results.", body=body)

    submission = Submission.objects.create(
        channel=Submission.Channel.API,
        submitter=submitter,
        filename="",
        checksum=hashlib.sha256(body).hexdigest(),
        size_bytes=len(body),
        created_by=None,
    )
    claim(submission.pk)
    try:
        outcomes = process_batch(
            submission, [row.row for row in read.rows], today=timezone.localdate(), source_id=submitter.code
        )
    except Exception:
        # process_batch is one transaction: nothing of it was kept. Say so on the submission.
        finish(submission, failure="An unexpected error stopped this submission; none of its results were kept.")
        raise
    submission = finish(submission)
    return fhir_response(fhir.outcome_for_bundle(read, outcomes, submission_id=submission.pk), 200)


def _refuse(
    token: SubmitterToken,
    status: int,
    message: str,
    *,
    body: bytes = b"",
    size: int | None = None,
    code: str = "",
    issues: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """Refuse the whole request: a submission marked refused, with the reason, and nothing else."""
    code = code or {400: "structure", 413: "too-costly", 415: "not-supported"}[status]
    # The reason may quote the request; keep it storable (no NUL) and short.
    message = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", message)[:1000]
    submission = Submission.objects.create(
        channel=Submission.Channel.API,
        submitter=token.submitter,
        filename="",
        checksum=hashlib.sha256(body).hexdigest() if body else "",
        size_bytes=len(body) if size is None else size,
        created_by=None,
    )
    finish(submission, failure=message)
    return fhir_response(fhir.outcome_for_error(message, code=code, issues=issues or ()), status)


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
