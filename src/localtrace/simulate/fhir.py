"""FHIR R4 batch Bundles for results: Patient + Specimen + Observation per result, as plain dicts.

Dicts rather than fhir.resources models because building a million models is slow; the
tests validate a sample with fhir.resources.R4B.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from localtrace.simulate import constants as c


@dataclasses.dataclass(frozen=True)
class ResultFacts:
    """The clean values of one result, as written to the CSV before any fault."""

    source_id: str
    specimen_id: str
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: str
    sex: str
    address_line_1: str
    postcode: str
    phone: str
    email: str
    preferred_language: str
    test_type_index: int
    result_index: int
    specimen_date: str
    result_date: str
    care_home: bool
    occupation: str


class UuidMaker:
    """Deterministic, well-formed version-4-style UUIDs: a run prefix and a counter."""

    def __init__(self, prefix: int) -> None:
        self.prefix = prefix & ((1 << 60) - 1)
        self.counter = 0

    def next(self) -> str:
        self.counter += 1
        value = (self.prefix << 64) | self.counter
        text = f"{value:032x}"
        # Set the version (4) and variant (10xx) nibbles so it parses as a random UUID.
        text = text[:12] + "4" + text[13:16] + "8" + text[17:]
        return f"urn:uuid:{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def result_entries(facts: ResultFacts, uuids: UuidMaker) -> list[dict[str, Any]]:
    """The three batch entries (Patient, Specimen, Observation) for one result."""
    patient_url, specimen_url, observation_url = uuids.next(), uuids.next(), uuids.next()
    source_reference = {
        "identifier": {"system": c.SOURCE_SYSTEM, "value": facts.source_id},
        "display": facts.source_id,
    }
    meta = {"source": c.SOURCE_URI_BASE + facts.source_id}

    patient: dict[str, Any] = {"resourceType": "Patient", "meta": meta}
    if facts.nhs_number:
        patient["identifier"] = [{"system": c.NHS_NUMBER_SYSTEM, "value": facts.nhs_number}]
    patient["name"] = [{"use": "official", "family": facts.family_name, "given": [facts.given_name]}]
    telecom = []
    if facts.phone:
        telecom.append({"system": "phone", "value": facts.phone, "use": "mobile"})
    if facts.email:
        telecom.append({"system": "email", "value": facts.email})
    if telecom:
        patient["telecom"] = telecom
    patient["gender"] = facts.sex
    patient["birthDate"] = facts.date_of_birth
    patient["address"] = [
        {"use": "home", "line": [facts.address_line_1], "postalCode": facts.postcode, "country": "GB"}
    ]
    patient["communication"] = [
        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": facts.preferred_language}]}, "preferred": True}
    ]

    specimen = {
        "resourceType": "Specimen",
        "meta": meta,
        "identifier": [{"system": c.SPECIMEN_SYSTEM_BASE + facts.source_id, "value": facts.specimen_id}],
        "type": {
            "coding": [{"system": c.SNOMED_SYSTEM, "code": c.SPECIMEN_TYPE_CODE, "display": c.SPECIMEN_TYPE_DISPLAY}]
        },
        "subject": {"reference": patient_url},
        "collection": {"collectedDateTime": facts.specimen_date},
    }

    extensions: list[dict[str, Any]] = [{"url": c.EXTENSION_CARE_HOME, "valueBoolean": facts.care_home}]
    if facts.occupation:
        extensions.append({"url": c.EXTENSION_OCCUPATION, "valueCode": facts.occupation})
    observation = {
        "resourceType": "Observation",
        "meta": meta,
        "extension": extensions,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {
            "coding": [
                {
                    "system": c.LOINC_SYSTEM,
                    "code": c.TEST_CODES[facts.test_type_index],
                    "display": c.TEST_DISPLAYS[facts.test_type_index],
                }
            ],
            "text": c.TEST_TYPES[facts.test_type_index],
        },
        "subject": {"reference": patient_url},
        "effectiveDateTime": facts.specimen_date,
        # issued is an instant: a time and zone are required; results are stamped at 09:00 UK.
        "issued": f"{facts.result_date}T09:00:00+00:00",
        "performer": [source_reference],
        "valueCodeableConcept": {
            "coding": [
                {
                    "system": c.SNOMED_SYSTEM,
                    "code": c.RESULT_CODES[facts.result_index],
                    "display": c.RESULT_DISPLAYS[facts.result_index],
                }
            ],
            "text": c.RESULTS[facts.result_index],
        },
        "specimen": {"reference": specimen_url},
    }

    entries = [
        {"fullUrl": patient_url, "resource": patient, "request": {"method": "POST", "url": "Patient"}},
        {"fullUrl": specimen_url, "resource": specimen, "request": {"method": "POST", "url": "Specimen"}},
        {"fullUrl": observation_url, "resource": observation, "request": {"method": "POST", "url": "Observation"}},
    ]
    if facts.nhs_number:
        # Create the patient only if the receiver does not already hold this NHS number.
        entries[0]["request"]["ifNoneExist"] = f"identifier={c.NHS_NUMBER_SYSTEM}|{facts.nhs_number}"
    return entries


def bundle(entries: list[dict[str, Any]], bundle_id: str) -> dict[str, Any]:
    return {"resourceType": "Bundle", "id": bundle_id, "type": "batch", "entry": entries}
