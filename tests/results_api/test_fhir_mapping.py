"""The pure mapping: Bundle entries to result rows, and the OperationOutcome built from outcomes."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from localtrace.results import fhir
from localtrace.results.reading import COLUMNS
from localtrace.results.services import RowOutcome
from localtrace.simulate import constants
from tests.results_api.conftest import one_result


def test_our_identifier_systems_are_the_ones_the_simulator_writes() -> None:
    assert fhir.SOURCE_SYSTEM == constants.SOURCE_SYSTEM
    assert fhir.SOURCE_URI_BASE == constants.SOURCE_URI_BASE
    assert fhir.EXTENSION_CARE_HOME == constants.EXTENSION_CARE_HOME
    assert fhir.EXTENSION_OCCUPATION == constants.EXTENSION_OCCUPATION


def test_every_generated_result_becomes_a_row_with_every_column(generated_bundles) -> None:
    bundle = generated_bundles[0]
    fhir.validate_bundle(bundle)
    read = fhir.read_bundle(bundle, source_id="LAB-NORTH")
    assert [r.row.row_number for r in read.rows] == list(range(1, len(bundle["entry"]) // 3 + 1))
    assert [r.entry_index for r in read.rows] == list(range(2, len(bundle["entry"]), 3))
    assert read.unused == []
    for row in read.rows:
        assert set(row.row.fields) == set(COLUMNS)
        assert row.used_entries == (row.entry_index - 2, row.entry_index - 1)


def test_a_generated_result_maps_to_the_csv_columns(generated_bundles) -> None:
    bundle = one_result(generated_bundles[0])
    patient, specimen, observation = (e["resource"] for e in bundle["entry"])
    source = observation["meta"]["source"].removeprefix(fhir.SOURCE_URI_BASE)
    row = fhir.read_bundle(bundle, source_id=source).rows[0].row
    assert row.problem == ""
    fields = row.fields
    assert fields["source_id"] == source
    assert fields["nhs_number"] == patient["identifier"][0]["value"]
    assert fields["given_name"] == patient["name"][0]["given"][0]
    assert fields["family_name"] == patient["name"][0]["family"]
    assert fields["date_of_birth"] == patient["birthDate"] and fields["sex"] == patient["gender"]
    assert fields["address_line_1"] == patient["address"][0]["line"][0]
    assert fields["postcode"] == patient["address"][0]["postalCode"]
    assert fields["preferred_language"] == patient["communication"][0]["language"]["coding"][0]["code"]
    assert fields["specimen_id"] == specimen["identifier"][0]["value"]
    assert fields["specimen_date"] == specimen["collection"]["collectedDateTime"]
    assert fields["result_date"] == observation["issued"][:10]
    assert fields["test_code"] == observation["code"]["coding"][0]["code"] and fields["test_type"] == ""
    assert fields["result_code"] == observation["valueCodeableConcept"]["coding"][0]["code"]
    assert fields["care_home"] in ("yes", "no")
    assert row.raw_text.startswith('{"fullUrl":') and '"resourceType":"Observation"' in row.raw_text


def _bundle(observation: dict[str, Any], *others: dict[str, Any]) -> dict[str, Any]:
    entries = [*others, {"resource": {"resourceType": "Observation", **observation}}]
    return {"resourceType": "Bundle", "type": "batch", "entry": entries}


_PATIENT: dict[str, Any] = {
    "fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000001",
    "resource": {"resourceType": "Patient", "name": [{"family": "Smith", "given": ["Jo"]}]},
}


def test_text_stands_in_for_codes_only_when_there_is_no_code() -> None:
    observation = {
        "status": "final",
        "subject": {"reference": _PATIENT["fullUrl"]},
        "code": {"coding": [{"system": "urn:local", "code": "X1"}], "text": "PCR"},
        "valueString": "Detected",
    }
    fields = fhir.read_bundle(_bundle(observation, _PATIENT), source_id="LAB").rows[0].row.fields
    assert (fields["test_type"], fields["test_code"], fields["result"], fields["result_code"]) == (
        "PCR",
        "",
        "Detected",
        "",
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"status": "preliminary"}, "only final, amended or corrected"),
        ({"status": "entered-in-error"}, "only final, amended or corrected"),
        ({"subject": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000009"}}, "subject is not a Patient"),
        ({"subject": None}, "subject is not a Patient"),
        ({"specimen": {"reference": "Specimen/missing"}}, "specimen is not a Specimen"),
        (
            {"performer": [{"identifier": {"system": fhir.SOURCE_SYSTEM, "value": "LAB-OTHER"}}]},
            "comes from LAB-OTHER, but the token belongs to LAB",
        ),
        ({"meta": {"source": fhir.SOURCE_URI_BASE + "LAB-OTHER"}}, "comes from LAB-OTHER"),
    ],
)
def test_an_observation_we_cannot_take_as_it_stands_is_a_row_with_the_reason(change, problem) -> None:
    observation = {"status": "final", "subject": {"reference": _PATIENT["fullUrl"]}, **change}
    observation = {k: v for k, v in observation.items() if v is not None}
    read = fhir.read_bundle(_bundle(observation, _PATIENT), source_id="LAB")
    assert len(read.rows) == 1 and problem in read.rows[0].row.problem


def test_the_declared_source_is_compared_without_regard_to_case() -> None:
    observation = {
        "status": "final",
        "subject": {"reference": _PATIENT["fullUrl"]},
        "performer": [{"identifier": {"system": fhir.SOURCE_SYSTEM, "value": "lab-north"}}],
    }
    assert fhir.read_bundle(_bundle(observation, _PATIENT), source_id="LAB-NORTH").rows[0].row.problem == ""


def test_a_contained_patient_and_an_absolute_reference_are_found() -> None:
    contained = {
        "status": "final",
        "contained": [{"resourceType": "Patient", "id": "p", "name": [{"family": "Evans", "given": ["Ffion"]}]}],
        "subject": {"reference": "#p"},
    }
    row = fhir.read_bundle(_bundle(contained), source_id="LAB").rows[0]
    assert row.row.problem == "" and row.row.fields["family_name"] == "Evans" and row.used_entries == ()
    patient = {"fullUrl": "https://lab.example/fhir/Patient/7", "resource": {"resourceType": "Patient", "id": "7"}}
    absolute = {"status": "final", "subject": {"reference": "https://elsewhere.example/fhir/Patient/7"}}
    assert fhir.read_bundle(_bundle(absolute, patient), source_id="LAB").rows[0].used_entries == (0,)


def test_entries_no_observation_uses_are_reported_as_unused() -> None:
    stray = {"resource": {"resourceType": "Practitioner"}}
    observation = {"status": "final", "subject": {"reference": _PATIENT["fullUrl"]}}
    read = fhir.read_bundle(_bundle(observation, stray, _PATIENT), source_id="LAB")
    assert read.unused == [(0, "Practitioner")]
    outcome = fhir.outcome_for_bundle(read, [RowOutcome(1, "accepted")])
    OperationOutcome.model_validate(outcome)
    unused = [i for i in outcome["issue"] if i["details"]["text"] == "unused"]
    assert unused[0]["expression"] == ["Bundle.entry[0]"] and unused[0]["severity"] == "warning"


def test_patient_details_prefer_the_official_name_home_address_mobile_and_preferred_language() -> None:
    patient = copy.deepcopy(_PATIENT)
    patient["resource"].update(
        {
            "name": [
                {"use": "nickname", "given": ["Bob"]},
                {"use": "official", "given": ["Robert", "James"], "family": "Ng"},
            ],
            "address": [
                {"use": "work", "postalCode": "W1A 1AA"},
                {"use": "home", "line": ["2 Hill Road"], "postalCode": "FX1 1AB"},
            ],
            "telecom": [
                {"system": "phone", "value": "01632 960000", "use": "home"},
                {"system": "phone", "value": "07700 900123", "use": "mobile"},
                {"system": "email", "value": "rob@example.org"},
            ],
            "communication": [
                {"language": {"coding": [{"code": "en"}]}},
                {"language": {"text": "pl-PL"}, "preferred": True},
            ],
            "gender": "male",
        }
    )
    observation = {"status": "final", "subject": {"reference": _PATIENT["fullUrl"]}}
    fields = fhir.read_bundle(_bundle(observation, patient), source_id="LAB").rows[0].row.fields
    assert fields["given_name"] == "Robert James" and fields["family_name"] == "Ng"
    assert fields["address_line_1"] == "2 Hill Road" and fields["postcode"] == "FX1 1AB"
    assert fields["phone"] == "07700 900123" and fields["email"] == "rob@example.org"
    assert fields["preferred_language"] == "pl" and fields["sex"] == "male"


def test_the_outcome_accounts_for_every_result_and_validates_as_r4() -> None:
    observation = {"status": "final", "subject": {"reference": _PATIENT["fullUrl"]}}
    bundle = _bundle(observation, _PATIENT)
    bundle["entry"].extend([bundle["entry"][1], bundle["entry"][1]])
    read = fhir.read_bundle(bundle, source_id="LAB")
    outcomes = [
        RowOutcome(2, "duplicate"),
        RowOutcome(1, "accepted", result_id=10),
        RowOutcome(3, "quarantined", ["The specimen ID is missing.", "The result date is missing."]),
    ]
    outcome = fhir.outcome_for_bundle(read, outcomes, submission_id=42)
    OperationOutcome.model_validate(outcome)
    severities = [(i["severity"], i["code"], i.get("expression", [None])[0]) for i in outcome["issue"]]
    assert severities == [
        ("information", "informational", "Bundle.entry[1]"),
        ("warning", "duplicate", "Bundle.entry[2]"),
        ("error", "invalid", "Bundle.entry[3]"),
        ("error", "invalid", "Bundle.entry[3]"),
        ("information", "informational", None),
    ]
    assert outcome["issue"][1]["expression"] == ["Bundle.entry[2]", "Bundle.entry[0]"]
    assert "The result date is missing." in outcome["issue"][3]["diagnostics"]
    assert outcome["issue"][-1]["diagnostics"] == (
        "Submission 42: received 3 = accepted 1 + quarantined 1 + duplicate 1"
    )


def test_a_whole_bundle_error_validates_as_r4() -> None:
    outcome = fhir.outcome_for_error(
        "The Bundle is not valid FHIR R4.", code="invalid", issues=[("Bundle.entry[0].resource.birthDate", "Bad date")]
    )
    OperationOutcome.model_validate(outcome)
    assert outcome["issue"][1]["expression"] == ["Bundle.entry[0].resource.birthDate"]


def test_times_with_a_zone_are_read_as_a_date_here() -> None:
    # 23:30 in New York on 1 July is 04:30 on 2 July in London (BST).
    assert fhir._local_date("2020-07-01T23:30:00-04:00") == "2020-07-02"
    assert fhir._local_date("2020-07-01T09:00:00Z") == "2020-07-01"
    # A specimen taken at half past midnight in summer, written in UTC, was taken on the 2nd here.
    assert fhir._local_date("2020-07-01T23:30:00Z") == "2020-07-02"
    assert fhir._local_date("2020-12-01T23:30:00Z") == "2020-12-01"  # GMT: the same day
    assert fhir._local_date("2020-07-01") == "2020-07-01"
    assert fhir._local_date("") == ""
    assert fhir._local_date("not a date") == "not a date"  # left for validation to give its reason
