"""Every bad request gets a clear error and changes nothing else: no results, people, cases or rows."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B.operationoutcome import OperationOutcome

from localtrace.results.models import Submission
from tests.results_api.conftest import URL, counts, one_result, post


def _outcome(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/fhir+json")
    outcome = response.json()
    OperationOutcome.model_validate(outcome)
    assert outcome["issue"] and all(i["severity"] == "error" for i in outcome["issue"])
    return outcome


def _api_submissions() -> int:
    return Submission.objects.filter(channel=Submission.Channel.API).count()


@pytest.fixture
def bundle(generated_bundles: list[dict[str, Any]]) -> dict[str, Any]:
    single = copy.deepcopy(one_result(generated_bundles[0]))
    del single["entry"][2]["resource"]["performer"], single["entry"][2]["resource"]["meta"]
    return single


# --- no valid token: 401, and not even a submission is recorded ------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer lt_not-a-real-token",
        "Bearer something-else",
        "Basic dXNlcjpwYXNz",
        "lt_x",
    ],
)
def test_a_call_without_a_valid_token_is_refused_with_401(world, lab, bundle, authorization) -> None:
    before = counts()
    extra = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    response = post(Client(), bundle, None, **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert _outcome(response)["issue"][0]["code"] == "login"
    assert counts() == before and _api_submissions() == 0


def test_a_revoked_token_is_refused_and_says_no_more_than_a_wrong_one(world, lab, bundle) -> None:
    wrong = post(Client(), bundle, "lt_" + "x" * 43)
    lab.token.revoked_at = timezone.now()
    lab.token.save()
    before = counts()
    response = post(Client(), bundle, lab.secret)
    assert response.status_code == 401
    assert response.content == wrong.content
    assert counts() == before and _api_submissions() == 0


def test_a_token_of_an_inactive_submitter_is_refused(world, lab, bundle) -> None:
    lab.submitter.is_active = False
    lab.submitter.save()
    assert post(Client(), bundle, lab.secret).status_code == 401
    assert _api_submissions() == 0


def test_a_signed_in_session_is_not_a_token(world, client_for, bundle) -> None:
    response = post(client_for("admin"), bundle, None)
    assert response.status_code == 401


# --- a token, but a body we cannot take: 400, 413 or 415, and a refused submission ---------


def _refused(response: Any, status: int, lab: Any, before: dict[str, int], words: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    outcome = _outcome(response)
    assert words in outcome["issue"][0]["diagnostics"]
    assert counts() == before
    submission = Submission.objects.get(channel=Submission.Channel.API)
    assert submission.status == Submission.Status.FAILED and submission.submitter == lab.submitter
    assert submission.received == 0 and words in submission.failure_reason
    return outcome


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "The request body is empty"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b'{"resourceType": "Bundle", "type": "batch", "total": NaN}', "not valid JSON"),
        (b"[]", "must be a FHIR resource"),
        (b'"Bundle"', "must be a FHIR resource"),
        (b"{}", "has no resourceType"),
        (b'{"resourceType": "Patient", "id": "p1"}', "has a Patient"),
    ],
)
def test_a_body_that_is_not_a_bundle_is_refused_with_400(world, lab, body, words) -> None:
    before = counts()
    _refused(post(Client(), body, lab.secret), 400, lab, before, words)


def test_an_invalid_bundle_is_refused_with_400_pointing_at_the_problem(world, lab, bundle) -> None:
    bundle["entry"][0]["resource"]["birthDate"] = "2nd of May"
    bundle["entry"][2]["resource"]["colour"] = "blue"
    before = counts()
    outcome = _refused(post(Client(), bundle, lab.secret), 400, lab, before, "not valid FHIR R4")
    expressions = [e for issue in outcome["issue"] for e in issue.get("expression", [])]
    assert "Bundle.entry[0].resource.birthDate" in expressions
    assert "Bundle.entry[2].resource.colour" in expressions


def test_a_transaction_bundle_is_refused_with_400(world, lab, bundle) -> None:
    bundle["type"] = "transaction"
    before = counts()
    _refused(post(Client(), bundle, lab.secret), 400, lab, before, "send a batch")


def test_a_bundle_with_no_observation_is_refused_with_400(world, lab, bundle) -> None:
    bundle["entry"] = bundle["entry"][:2]
    before = counts()
    _refused(post(Client(), bundle, lab.secret), 400, lab, before, "no Observation")


def test_a_bundle_with_too_many_results_is_refused_with_413(world, lab, generated_bundles, settings) -> None:
    settings.FHIR_MAX_RESULTS = 2
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": generated_bundles[0]["entry"][:9]}
    before = counts()
    outcome = _refused(post(Client(), bundle, lab.secret), 413, lab, before, "at most 2 results")
    assert outcome["issue"][0]["code"] == "too-costly"


def test_a_bundle_with_too_many_entries_is_refused_with_413(world, lab, bundle, settings) -> None:
    settings.FHIR_MAX_RESULTS = 1
    bundle["entry"] = bundle["entry"] + [bundle["entry"][0]] * 4
    before = counts()
    _refused(post(Client(), bundle, lab.secret), 413, lab, before, "in 7 entries")


def test_an_oversized_body_is_refused_with_413_without_reading_it(world, lab, bundle, settings) -> None:
    settings.FHIR_MAX_BODY_BYTES = 1024
    body = json.dumps({**bundle, "padding": "x" * 2000})
    before = counts()
    _refused(post(Client(), body, lab.secret), 413, lab, before, "the limit is")
    assert Submission.objects.get(channel=Submission.Channel.API).size_bytes == len(body)


def test_a_body_that_is_not_json_by_its_content_type_is_refused_with_415(world, lab, bundle) -> None:
    before = counts()
    response = post(Client(), json.dumps(bundle), lab.secret, content_type="text/csv")
    _refused(response, 415, lab, before, "application/fhir+json")


def test_only_post_is_allowed(world, lab) -> None:
    response = Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {lab.secret}")
    assert response.status_code == 405


# --- a token reads nothing ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/areas/", "/submitters/", "/teams/"])
def test_a_token_cannot_read_any_page(world, lab, path) -> None:
    response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {lab.secret}")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_a_body_larger_than_djangos_form_limit_is_still_read(world, lab, settings) -> None:
    # The API reads the body itself, up to its own limit, not Django's 2.5 MB for form data.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    patient = {"resource": {"resourceType": "Patient", "name": [{"family": "x" * 1000}]}}
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [patient] * 20}
    before = counts()
    _refused(post(Client(), bundle, lab.secret), 400, lab, before, "no Observation")


def test_text_with_control_characters_is_refused_with_400(world, lab, bundle) -> None:
    # FHIR strings may not hold them, and PostgreSQL cannot store a NUL.
    bundle["entry"][0]["resource"]["name"][0]["given"] = ["Jo\x00"]
    bundle["entry"][0]["resource"]["address"][0]["line"] = ["1 High\x07 Street"]
    before = counts()
    outcome = _refused(post(Client(), bundle, lab.secret), 400, lab, before, "control characters")
    expressions = [e for issue in outcome["issue"] for e in issue.get("expression", [])]
    assert expressions == ["Bundle.entry[0].resource.address[0].line[0]", "Bundle.entry[0].resource.name[0].given[0]"]
