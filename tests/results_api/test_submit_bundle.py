"""POST /api/fhir/Bundle: results in, an OperationOutcome that accounts for every entry out."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from django.test import Client
from fhir.resources.R4B.operationoutcome import OperationOutcome

from localtrace.audit.models import AuditEvent
from localtrace.cases.models import Case
from localtrace.results.models import QuarantinedRow, Submission, TestResult
from tests.results_api.conftest import counts, issues_by_outcome, one_result, post, source_of, split_by_source


def _entry_indexes(issue: dict[str, Any]) -> list[int]:
    return [int(e.removeprefix("Bundle.entry[").removesuffix("]")) for e in issue.get("expression", [])]


def test_the_generators_bundles_are_accepted_and_every_entry_is_accounted_for(
    routed, make_lab, generated_bundles
) -> None:
    client = Client()
    labs: dict[str, Any] = {}
    for generated in generated_bundles:
        for source, bundle in split_by_source(generated).items():
            lab = labs.get(source) or labs.setdefault(source, make_lab(source))
            response = post(client, bundle, lab.secret)
            assert response.status_code == 200, response.content
            assert response["Content-Type"].startswith("application/fhir+json")
            outcome = response.json()
            OperationOutcome.model_validate(outcome)

            entries = bundle["entry"]
            observations = [i for i, e in enumerate(entries) if e["resource"]["resourceType"] == "Observation"]
            found = issues_by_outcome(outcome)
            assert set(found) == {"accepted", "totals"}, [i["diagnostics"] for i in outcome["issue"][:5]]
            accepted = found["accepted"]
            # One issue per Observation, pointing at it first, then at its Patient and Specimen.
            assert sorted(_entry_indexes(i)[0] for i in accepted) == observations
            assert {index for issue in accepted for index in _entry_indexes(issue)} == set(range(len(entries)))
            assert all(i["severity"] == "information" for i in accepted)
            n = len(observations)
            assert found["totals"][0]["diagnostics"].endswith(
                f"received {n} = accepted {n} + quarantined 0 + duplicate 0"
            )
            submission = Submission.objects.filter(submitter=lab.submitter).order_by("-pk")[0]
            assert submission.status == Submission.Status.DONE
            assert (submission.received, submission.accepted, submission.quarantined) == (n, n, 0)
            assert submission.received == submission.accepted + submission.quarantined + submission.duplicate
            assert TestResult.objects.filter(submission=submission, source_id=source).count() == n
            # No one signs in to send it: the audit trail names the submitter the token belongs to.
            event = AuditEvent.objects.get(object_type="results.submission", object_id=str(submission.pk))
            assert event.actor is None and event.detail["submitter"] == lab.submitter.code
    generated_results = sum(len(b["entry"]) // 3 for b in generated_bundles)
    assert TestResult.objects.count() == generated_results
    # Positives whose postcode routes to an area are in that area's queue.
    assert Case.objects.count() > 0
    assert not TestResult.objects.filter(result="positive", area__isnull=False, case__isnull=True).exists()


def test_the_same_bundle_twice_is_all_duplicates_and_opens_no_second_case(routed, make_lab, generated_bundles) -> None:
    source, bundle = max(split_by_source(generated_bundles[0]).items(), key=lambda item: len(item[1]["entry"]))
    lab = make_lab(source)
    client = Client()
    assert post(client, bundle, lab.secret).status_code == 200
    before = counts()
    response = post(client, bundle, lab.secret)
    assert response.status_code == 200
    outcome = response.json()
    OperationOutcome.model_validate(outcome)
    found = issues_by_outcome(outcome)
    n = len(bundle["entry"]) // 3
    assert len(found["duplicate"]) == n and "accepted" not in found and "quarantined" not in found
    assert all(i["severity"] == "warning" and i["code"] == "duplicate" for i in found["duplicate"])
    assert found["totals"][0]["diagnostics"].endswith(f"received {n} = accepted 0 + quarantined 0 + duplicate {n}")
    assert counts() == before
    second = Submission.objects.filter(submitter=lab.submitter).order_by("-pk").first()
    assert second is not None
    assert (second.received, second.duplicate, second.cases_created) == (n, n, 0)


def test_a_laboratory_cannot_submit_results_as_another_source(routed, make_lab, generated_bundles) -> None:
    mixed = generated_bundles[0]
    lab = make_lab("LAB-NORTH")
    response = post(Client(), mixed, lab.secret)
    assert response.status_code == 200
    outcome = response.json()
    found = issues_by_outcome(outcome)
    own = sum(
        1
        for e in mixed["entry"]
        if e["resource"]["resourceType"] == "Observation" and source_of(e["resource"]) == lab.code
    )
    others = len(mixed["entry"]) // 3 - own
    assert len(found["accepted"]) == own and len(found["quarantined"]) == others
    assert all("but the token belongs to LAB-NORTH" in i["diagnostics"] for i in found["quarantined"])
    # Whatever a bundle says, what is stored comes from the token's submitter.
    assert set(TestResult.objects.values_list("source_id", flat=True)) == {"LAB-NORTH"}
    submission = Submission.objects.get(submitter=lab.submitter)
    assert set(submission.quarantined_rows.values_list("source_id", flat=True)) == {"LAB-NORTH"}


def test_a_result_that_names_no_source_is_stored_as_the_tokens_submitter(world, lab, generated_bundles) -> None:
    bundle = copy.deepcopy(one_result(generated_bundles[0]))
    observation = bundle["entry"][2]["resource"]
    del observation["performer"], observation["meta"]
    response = post(Client(), bundle, lab.secret)
    assert issues_by_outcome(response.json()).keys() == {"accepted", "totals"}
    assert TestResult.objects.get().source_id == lab.code


def _positive_in_area_a(bundle: dict[str, Any]) -> dict[str, Any]:
    single = copy.deepcopy(one_result(bundle))
    patient, _, observation = (e["resource"] for e in single["entry"])
    patient["address"][0]["postalCode"] = "FX1 1AB"
    observation["valueCodeableConcept"]["coding"][0]["code"] = "1240581000000104"
    del observation["performer"], observation["meta"]
    return single


def test_a_positive_result_is_in_the_areas_queue_when_the_call_returns(world, lab, generated_bundles) -> None:
    response = post(Client(), _positive_in_area_a(generated_bundles[0]), lab.secret)
    assert response.status_code == 200
    result = TestResult.objects.get()
    assert result.area == world.area_a and result.result == "positive"
    case = Case.objects.get()
    assert case.area == world.area_a and case.person == result.person
    assert Submission.objects.get(channel=Submission.Channel.API).cases_created == 1


def test_a_call_with_a_valid_token_needs_no_session_and_makes_none(world, lab, generated_bundles) -> None:
    client = Client(enforce_csrf_checks=True)
    response = post(client, _positive_in_area_a(generated_bundles[0]), lab.secret)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    lab.token.refresh_from_db()
    assert lab.token.last_used_at is not None


def test_plain_json_is_accepted_as_well_as_fhir_json(world, lab, generated_bundles) -> None:
    bundle = _positive_in_area_a(generated_bundles[0])
    response = post(Client(), bundle, lab.secret, content_type="application/json; charset=utf-8")
    assert response.status_code == 200


def test_a_quarantined_result_gives_every_reason_and_is_kept_with_its_raw_entry(world, lab, generated_bundles) -> None:
    bundle = _positive_in_area_a(generated_bundles[0])
    patient = bundle["entry"][0]["resource"]
    patient["identifier"][0]["value"] = "9991757230"  # wrong check digit
    patient["address"][0]["postalCode"] = "not a postcode"
    response = post(Client(), bundle, lab.secret)
    assert response.status_code == 200
    outcome = response.json()
    OperationOutcome.model_validate(outcome)
    quarantined = issues_by_outcome(outcome)["quarantined"]
    assert len(quarantined) == 2
    assert all(i["severity"] == "error" and i["expression"][0] == "Bundle.entry[2]" for i in quarantined)
    assert any("check digit" in i["diagnostics"] for i in quarantined)
    row = QuarantinedRow.objects.get(submission__channel=Submission.Channel.API)
    assert row.row_number == 1 and len(row.reasons) == 2
    assert json.loads(row.raw_text) == bundle["entry"][2]
    assert row.fields["nhs_number"] == "9991757230"
    assert counts()["results"] == 0 and counts()["cases"] == 0


def test_the_submission_records_the_body_checksum_size_and_is_audited(world, lab, generated_bundles) -> None:
    body = json.dumps(_positive_in_area_a(generated_bundles[0])).encode()
    response = post(Client(), body, lab.secret)
    assert response.status_code == 200
    submission = Submission.objects.get(channel=Submission.Channel.API)
    assert submission.channel == Submission.Channel.API and submission.submitter == lab.submitter
    assert submission.checksum == hashlib.sha256(body).hexdigest() and submission.size_bytes == len(body)
    assert submission.filename == "" and submission.created_by is None
    assert f"Submission {submission.pk}:" in response.json()["issue"][-1]["diagnostics"]
    event = AuditEvent.objects.get(object_type="results.submission", object_id=str(submission.pk))
    assert event.detail["accepted"] == 1


def test_a_plain_observation_without_a_specimen_takes_its_specimen_id_from_the_observation(world, lab) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "fullUrl": "https://lab.example.org/fhir/Patient/p1",
                "resource": {
                    "resourceType": "Patient",
                    "id": "p1",
                    "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}],
                    "name": [{"family": "Jones", "given": ["Siân", "Mair"]}],
                    "gender": "female",
                    "birthDate": "1990-04-02",
                    "address": [{"line": ["1 High Street"], "postalCode": "fx11ab"}],
                    "telecom": [{"system": "email", "value": "sian@example.org"}],
                    "communication": [{"language": {"coding": [{"code": "cy-GB"}]}}],
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "identifier": [{"value": "SPEC-001"}],
                    "code": {"coding": [{"system": "http://loinc.org", "code": "94500-6"}]},
                    "subject": {"reference": "Patient/p1"},
                    "effectiveDateTime": "2020-11-02T10:15:00+00:00",
                    "issued": "2020-11-03T23:30:00+00:00",
                    "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "260373001"}]},
                },
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    response = post(Client(), bundle, lab.secret)
    assert response.status_code == 200, response.content
    assert issues_by_outcome(response.json()).keys() == {"accepted", "totals"}
    result = TestResult.objects.select_related("person").get()
    assert result.specimen_id == "SPEC-001" and result.test_type == "PCR" and result.result == "positive"
    assert str(result.specimen_date) == "2020-11-02"
    # 23:30 UTC on 3 November is still 3 November in London (GMT); in summer it would be the next day.
    assert str(result.result_date) == "2020-11-03"
    assert result.person.given_name == "Siân Mair" and result.person.preferred_language == "cy"
    assert result.area == world.area_a


def test_text_too_long_to_store_is_quarantined_with_the_reason(world, lab, generated_bundles) -> None:
    bundle = _positive_in_area_a(generated_bundles[0])
    bundle["entry"][1]["resource"]["identifier"][0]["value"] = "S" * 65
    patient = bundle["entry"][0]["resource"]
    patient["name"][0]["given"] = ["A" * 101]
    patient["address"][0]["line"] = ["1 " + "a" * 199]
    patient["telecom"] = [{"system": "email", "value": "a" * 250 + "@example.org"}]
    response = post(Client(), bundle, lab.secret)
    assert response.status_code == 200
    (issue,) = issues_by_outcome(response.json())["quarantined"]
    for words in ("specimen ID is longer than 64", "given name is longer than 100", "address is longer than 200"):
        assert words in issue["diagnostics"]
    assert "email address is longer than 254" in issue["diagnostics"]
    assert counts()["results"] == 0


def test_a_bad_result_sent_twice_is_quarantined_once_and_the_second_answer_says_why(
    world, lab, generated_bundles
) -> None:
    bundle = _positive_in_area_a(generated_bundles[0])
    bundle["entry"][0]["resource"]["identifier"][0]["value"] = "9991757230"  # wrong check digit
    assert issues_by_outcome(post(Client(), bundle, lab.secret).json()).keys() == {"quarantined", "totals"}
    outcome = post(Client(), bundle, lab.secret).json()
    OperationOutcome.model_validate(outcome)
    found = issues_by_outcome(outcome)
    assert found.keys() == {"duplicate", "totals"}
    assert "check digit" in found["duplicate"][0]["diagnostics"]
    assert found["totals"][0]["diagnostics"].endswith("received 1 = accepted 0 + quarantined 0 + duplicate 1")
    assert QuarantinedRow.objects.filter(submission__channel=Submission.Channel.API).count() == 1
