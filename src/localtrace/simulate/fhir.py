"""FHIR R4 batch Bundles for results: Patient + Specimen + Observation per result.

result_entries builds plain dicts (the readable reference); result_entries_json writes the
same entries straight to JSON text for speed. The tests check both against each other and
validate a sample with fhir.resources.R4B.
"""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from json.encoder import encode_basestring  # type: ignore[attr-defined]
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
    """Deterministic, well-formed version-4-style UUIDs: a per-run prefix and a counter."""

    def __init__(self, prefix: int) -> None:
        text = f"{prefix & ((1 << 80) - 1):020x}"
        # Version nibble 4 and variant nibble 8 make it parse as a random (version 4) UUID.
        self.prefix = f"urn:uuid:{text[:8]}-{text[8:12]}-4{text[13:16]}-8{text[17:20]}-"
        self.counter = 0

    def next(self) -> str:
        self.counter += 1
        return f"{self.prefix}{self.counter:012x}"


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

    entries: list[dict[str, Any]] = [
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


# --- fast path ---------------------------------------------------------------------------
# The same entries as result_entries, written straight to JSON text: encoding a million
# nested dicts with json.dumps is the slowest part of a large run. A test checks that both
# paths give equal JSON.

_OBSERVATION_CATEGORY = json.dumps(
    [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
    separators=(",", ":"),
)
_SPECIMEN_TYPE = json.dumps(
    {"coding": [{"system": c.SNOMED_SYSTEM, "code": c.SPECIMEN_TYPE_CODE, "display": c.SPECIMEN_TYPE_DISPLAY}]},
    separators=(",", ":"),
)
_TEST_CODE = [
    json.dumps(
        {"coding": [{"system": c.LOINC_SYSTEM, "code": code, "display": display}], "text": text},
        separators=(",", ":"),
    )
    for code, display, text in zip(c.TEST_CODES, c.TEST_DISPLAYS, c.TEST_TYPES, strict=True)
]
_RESULT_VALUE = [
    json.dumps(
        {"coding": [{"system": c.SNOMED_SYSTEM, "code": code, "display": display}], "text": text},
        separators=(",", ":"),
    )
    for code, display, text in zip(c.RESULT_CODES, c.RESULT_DISPLAYS, c.RESULTS, strict=True)
]


@cache
def _source_parts(source_id: str) -> tuple[str, str, str]:
    meta = json.dumps({"source": c.SOURCE_URI_BASE + source_id}, separators=(",", ":"))
    performer = json.dumps(
        [{"identifier": {"system": c.SOURCE_SYSTEM, "value": source_id}, "display": source_id}],
        separators=(",", ":"),
    )
    specimen_system = encode_basestring(c.SPECIMEN_SYSTEM_BASE + source_id)
    return meta, performer, specimen_system


def result_entries_json(facts: ResultFacts, uuids: UuidMaker) -> str:
    """result_entries(facts, uuids) as compact JSON text, without the surrounding brackets."""
    patient_url, specimen_url, observation_url = uuids.next(), uuids.next(), uuids.next()
    meta, performer, specimen_system = _source_parts(facts.source_id)
    text = encode_basestring
    parts = [f'{{"fullUrl":"{patient_url}","resource":{{"resourceType":"Patient","meta":{meta},']
    if facts.nhs_number:
        parts.append(f'"identifier":[{{"system":"{c.NHS_NUMBER_SYSTEM}","value":{text(facts.nhs_number)}}}],')
    parts.append(
        f'"name":[{{"use":"official","family":{text(facts.family_name)},"given":[{text(facts.given_name)}]}}],'
    )
    telecom = []
    if facts.phone:
        telecom.append(f'{{"system":"phone","value":{text(facts.phone)},"use":"mobile"}}')
    if facts.email:
        telecom.append(f'{{"system":"email","value":{text(facts.email)}}}')
    if telecom:
        parts.append(f'"telecom":[{",".join(telecom)}],')
    parts.append(
        f'"gender":{text(facts.sex)},"birthDate":{text(facts.date_of_birth)},'
        f'"address":[{{"use":"home","line":[{text(facts.address_line_1)}],"postalCode":{text(facts.postcode)},'
        f'"country":"GB"}}],"communication":[{{"language":{{"coding":[{{"system":"urn:ietf:bcp:47",'
        f'"code":{text(facts.preferred_language)}}}]}},"preferred":true}}]}},'
        f'"request":{{"method":"POST","url":"Patient"'
    )
    if facts.nhs_number:
        parts.append(f',"ifNoneExist":{text(f"identifier={c.NHS_NUMBER_SYSTEM}|{facts.nhs_number}")}')
    parts.append("}},")
    parts.append(
        f'{{"fullUrl":"{specimen_url}","resource":{{"resourceType":"Specimen","meta":{meta},'
        f'"identifier":[{{"system":{specimen_system},"value":{text(facts.specimen_id)}}}],'
        f'"type":{_SPECIMEN_TYPE},"subject":{{"reference":"{patient_url}"}},'
        f'"collection":{{"collectedDateTime":{text(facts.specimen_date)}}}}},'
        f'"request":{{"method":"POST","url":"Specimen"}}}},'
    )
    extensions = [f'{{"url":"{c.EXTENSION_CARE_HOME}","valueBoolean":{"true" if facts.care_home else "false"}}}']
    if facts.occupation:
        extensions.append(f'{{"url":"{c.EXTENSION_OCCUPATION}","valueCode":{text(facts.occupation)}}}')
    parts.append(
        f'{{"fullUrl":"{observation_url}","resource":{{"resourceType":"Observation","meta":{meta},'
        f'"extension":[{",".join(extensions)}],"status":"final","category":{_OBSERVATION_CATEGORY},'
        f'"code":{_TEST_CODE[facts.test_type_index]},"subject":{{"reference":"{patient_url}"}},'
        f'"effectiveDateTime":{text(facts.specimen_date)},"issued":{text(facts.result_date + "T09:00:00+00:00")},'
        f'"performer":{performer},"valueCodeableConcept":{_RESULT_VALUE[facts.result_index]},'
        f'"specimen":{{"reference":"{specimen_url}"}}}},"request":{{"method":"POST","url":"Observation"}}}}'
    )
    return "".join(parts)


def bundle_json(entries: list[str], bundle_id: str) -> str:
    """A batch Bundle around entries from result_entries_json, as one line of JSON."""
    return f'{{"resourceType":"Bundle","id":"{bundle_id}","type":"batch","entry":[{",".join(entries)}]}}'
