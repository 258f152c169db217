"""FHIR R4 Bundles in, OperationOutcomes out: the pure mapping behind the laboratories' API.

A Bundle of Patient + Specimen + Observation becomes one `RawRow` per Observation, with the
same columns as a results CSV, so the API runs through the same intake pipeline as files.
No database here; docs/intake.md ("The FHIR API") documents the mapping.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from localtrace.results import codes, validation
from localtrace.results.reading import COLUMNS, RawRow

# Identifier systems and extensions of our own (the simulator writes the same ones).
SOURCE_SYSTEM = "https://fhir.example.org/Id/result-source"
SOURCE_URI_BASE = "urn:localtrace:source:"
EXTENSION_CARE_HOME = "https://fhir.example.org/StructureDefinition/care-home"
EXTENSION_OCCUPATION = "https://fhir.example.org/StructureDefinition/occupation"
OUTCOME_SYSTEM = "urn:localtrace:intake-outcome"

# Bundle types we take; each entry stands alone, as in a batch.
BUNDLE_TYPES = ("batch", "collection")
# Observation statuses that are a result to act on.
REPORTABLE_STATUSES = ("final", "amended", "corrected")
_RESOURCE_TYPE = re.compile(r"^[A-Z][A-Za-z]{0,63}$")
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SEX = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


class BundleError(ValueError):
    """The body as a whole is not a Bundle we can take: nothing from it is used."""

    def __init__(self, message: str, *, code: str = "structure", issues: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.code = code
        # (expression, diagnostics) pairs pointing at the parts that are wrong.
        self.issues = list(issues)


@dataclass(frozen=True)
class BundleRow:
    """One result read from a Bundle, and the entries (0-based) it was read from."""

    row: RawRow
    entry_index: int
    used_entries: tuple[int, ...] = ()


@dataclass
class ReadBundle:
    rows: list[BundleRow]
    entry_count: int
    # Entries no Observation used (0-based), with the resource type found there.
    unused: list[tuple[int, str]] = field(default_factory=list)


def parse_body(body: bytes) -> dict[str, Any]:
    """JSON text to a dict, or BundleError. NaN and Infinity are not JSON and are refused."""

    def refuse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not allowed in JSON")

    try:
        data = json.loads(body, parse_constant=refuse_constant)
    except (ValueError, RecursionError) as error:
        raise BundleError(f"The request body is not valid JSON: {_short(error)}.") from None
    if not isinstance(data, dict):
        raise BundleError("The request body must be a FHIR resource: a JSON object with a resourceType.")
    resource_type = data.get("resourceType")
    if resource_type != "Bundle":
        if isinstance(resource_type, str) and _RESOURCE_TYPE.match(resource_type):
            found = f"a {resource_type}"
        else:
            found = "an unknown resourceType" if resource_type else "no resourceType"
        raise BundleError(f"Send a FHIR Bundle of type batch. The request body has {found}.")
    return data


def count_results(data: dict[str, Any]) -> tuple[int, int]:
    """(entries, Observation entries) in a parsed Bundle, before any validation."""
    entries = data.get("entry")
    if not isinstance(entries, list):
        return 0, 0
    observations = sum(
        1
        for entry in entries
        if isinstance(entry, dict)
        and isinstance(entry.get("resource"), dict)
        and entry["resource"].get("resourceType") == "Observation"
    )
    return len(entries), observations


def validate_bundle(data: dict[str, Any], *, max_issues: int = 20) -> None:
    """Check the Bundle against the FHIR R4 (R4B) models; raise BundleError listing what is wrong."""
    controls = _control_characters(data)
    if controls:
        raise BundleError(
            "The Bundle has text with control characters, which FHIR does not allow (only tab, carriage return "
            "and line feed).",
            code="invalid",
            issues=[(where, "This text has a control character.") for where in controls[:max_issues]],
        )
    try:
        bundle = Bundle.model_validate(data)
    except ValidationError as error:
        issues = [(_expression(e["loc"]), _message(e["msg"])) for e in error.errors()[:max_issues]]
        more = error.error_count() - len(issues)
        message = (
            f"The Bundle is not valid FHIR R4: {error.error_count()} problem{'s' if error.error_count() != 1 else ''}"
        )
        message += f" (the first {len(issues)} are listed)." if more > 0 else "."
        raise BundleError(message, code="invalid", issues=issues) from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        raise BundleError(f"The Bundle is not valid FHIR R4: {_short(error)}.", code="invalid") from None
    if bundle.type not in BUNDLE_TYPES:
        raise BundleError(
            f"The Bundle's type is {bundle.type}; send a batch (each result is taken or refused on its own).",
            code="invalid",
            issues=[("Bundle.type", "Use type batch.")],
        )


def read_bundle(data: dict[str, Any], *, source_id: str) -> ReadBundle:
    """One RawRow per Observation (numbered from 1 in bundle order), for the submitter `source_id`.

    `data` must have passed `validate_bundle`. An Observation that names another source, is not
    final, or whose Patient cannot be found is still a row: it is quarantined with the reason.
    """
    entries = [e for e in data.get("entry") or [] if isinstance(e, dict)]
    index = _Index(entries)
    rows: list[BundleRow] = []
    used: set[int] = set()
    for position, entry in enumerate(entries):
        resource = entry.get("resource") or {}
        if resource.get("resourceType") != "Observation":
            continue
        used.add(position)
        fields, problems, refs = _observation_fields(resource, index, source_id)
        used.update(refs)
        rows.append(
            BundleRow(
                RawRow(
                    row_number=len(rows) + 1,
                    fields=fields,
                    raw_text=json.dumps(entry, separators=(",", ":"), ensure_ascii=False),
                    problem=" ".join(problems),
                ),
                entry_index=position,
                used_entries=tuple(sorted(refs)),
            )
        )
    unused = [
        (position, str((entry.get("resource") or {}).get("resourceType") or "entry"))
        for position, entry in enumerate(entries)
        if position not in used
    ]
    return ReadBundle(rows=rows, entry_count=len(entries), unused=unused)


# --- reading one Observation ----------------------------------------------------------------


class _Index:
    """Find a referenced resource: by fullUrl, by Type/id, or contained (#id)."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.by_reference: dict[str, int] = {}
        for position, entry in enumerate(entries):
            resource = entry.get("resource") or {}
            if isinstance(entry.get("fullUrl"), str):
                self.by_reference.setdefault(entry["fullUrl"], position)
            if resource.get("id") and resource.get("resourceType"):
                self.by_reference.setdefault(f"{resource['resourceType']}/{resource['id']}", position)
        self.entries = entries

    def find(
        self, reference: Any, resource_type: str, container: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, int | None]:
        target = (reference or {}).get("reference") if isinstance(reference, dict) else None
        if not isinstance(target, str) or not target:
            return None, None
        if target.startswith("#"):
            for contained in container.get("contained") or []:
                if contained.get("id") == target[1:] and contained.get("resourceType") == resource_type:
                    return contained, None
            return None, None
        position = self.by_reference.get(target)
        if position is None and "/" in target:
            # An absolute URL ending Type/id finds the entry whose Type/id it is.
            position = self.by_reference.get("/".join(target.rstrip("/").split("/")[-2:]))
        if position is None:
            return None, None
        resource = self.entries[position].get("resource") or {}
        if resource.get("resourceType") != resource_type:
            return None, None
        return resource, position


def _observation_fields(
    observation: dict[str, Any], index: _Index, source_id: str
) -> tuple[dict[str, str], list[str], set[int]]:
    fields = dict.fromkeys(COLUMNS, "")
    problems: list[str] = []
    refs: set[int] = set()

    declared = _declared_source(observation)
    fields["source_id"] = declared or source_id
    if declared and declared.casefold() != source_id.casefold():
        problems.append(
            f"This result says it comes from {declared}, but the token belongs to {source_id}. "
            "A submitter may only send its own results."
        )

    status = observation.get("status") or ""
    if status not in REPORTABLE_STATUSES:
        problems.append(f"The Observation's status is “{status}”; only final, amended or corrected results are taken.")

    patient, position = index.find(observation.get("subject"), "Patient", observation)
    if patient is None:
        problems.append("The Observation's subject is not a Patient in this Bundle.")
    else:
        if position is not None:
            refs.add(position)
        fields.update(_patient_fields(patient))

    specimen = None
    if observation.get("specimen"):
        specimen, position = index.find(observation.get("specimen"), "Specimen", observation)
        if specimen is None:
            problems.append("The Observation's specimen is not a Specimen in this Bundle.")
        elif position is not None:
            refs.add(position)
    specimen_ids = _identifier_values((specimen or {}).get("identifier")) or _identifier_values(
        observation.get("identifier")
    )
    fields["specimen_id"] = specimen_ids[0] if specimen_ids else ""
    collection = (specimen or {}).get("collection") or {}
    fields["specimen_date"] = _local_date(
        collection.get("collectedDateTime")
        or (collection.get("collectedPeriod") or {}).get("start")
        or observation.get("effectiveDateTime")
        or (observation.get("effectivePeriod") or {}).get("start")
        or observation.get("effectiveInstant")
    )
    fields["result_date"] = _local_date(observation.get("issued"))

    test = observation.get("code") or {}
    fields["test_code"] = _code_in(test, codes.LOINC_SYSTEM)
    if not fields["test_code"]:
        fields["test_type"] = str(test.get("text") or "")
    value = observation.get("valueCodeableConcept")
    if isinstance(value, dict):
        fields["result_code"] = _code_in(value, codes.SNOMED_SYSTEM)
        if not fields["result_code"]:
            fields["result"] = str(value.get("text") or "")
    elif isinstance(observation.get("valueString"), str):
        fields["result"] = observation["valueString"]

    for column, limit in _column_limits().items():
        if len(fields[column].strip()) > limit:
            problems.append(f"The {_LABELS[column]} is longer than {limit} characters.")

    extensions = [*(observation.get("extension") or []), *((patient or {}).get("extension") or [])]
    care_home = _extension(extensions, EXTENSION_CARE_HOME)
    if isinstance(care_home, bool):
        fields["care_home"] = "yes" if care_home else "no"
    elif care_home is not None:
        fields["care_home"] = str(care_home)
    occupation = _extension(extensions, EXTENSION_OCCUPATION)
    if isinstance(occupation, dict):  # valueCoding
        occupation = occupation.get("code")
    fields["occupation"] = str(occupation or "")
    return fields, problems, refs


_LABELS = {
    "specimen_id": "specimen ID",
    "given_name": "given name",
    "family_name": "family name",
    "address_line_1": "first line of the address",
    "email": "email address",
}


@cache
def _column_limits() -> dict[str, int]:
    """Free-text columns whose stored length is limited; longer text is quarantined, not cut."""
    from django.db.models import Field, Model

    from localtrace.people.models import Person
    from localtrace.results.models import TestResult

    def limit(model: type[Model], column: str) -> int:
        field = model._meta.get_field(column)
        return int(field.max_length or 0) if isinstance(field, Field) else 0

    limits = {column: limit(Person, column) for column in _LABELS if column != "specimen_id"}
    limits["specimen_id"] = limit(TestResult, "specimen_id")
    return {column: length for column, length in limits.items() if length}


def _patient_fields(patient: dict[str, Any]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for identifier in patient.get("identifier") or []:
        if identifier.get("system") == codes.NHS_NUMBER_SYSTEM and identifier.get("value"):
            fields["nhs_number"] = str(identifier["value"])
            break
    name = _preferred(patient.get("name"), "use", "official")
    if name:
        fields["given_name"] = " ".join(str(g) for g in name.get("given") or [])
        fields["family_name"] = str(name.get("family") or "")
    fields["date_of_birth"] = str(patient.get("birthDate") or "")
    fields["sex"] = _SEX.get(str(patient.get("gender") or ""), "")
    address = _preferred(patient.get("address"), "use", "home")
    if address:
        lines = address.get("line") or []
        fields["address_line_1"] = str(lines[0]) if lines else ""
        fields["postcode"] = str(address.get("postalCode") or "")
    telecom = patient.get("telecom") or []
    phones = [t for t in telecom if t.get("system") in ("phone", "sms") and t.get("value")]
    phone = _preferred(phones, "use", "mobile")
    fields["phone"] = str(phone["value"]) if phone else ""
    emails = [t for t in telecom if t.get("system") == "email" and t.get("value")]
    fields["email"] = str(emails[0]["value"]) if emails else ""
    communication = _preferred(patient.get("communication"), "preferred", True)
    if communication:
        language = communication.get("language") or {}
        code = next((c.get("code") for c in language.get("coding") or [] if c.get("code")), None) or language.get(
            "text"
        )
        # BCP 47 tags such as en-GB: the language is the first part.
        fields["preferred_language"] = str(code or "").split("-")[0].lower()
    return fields


def _declared_source(observation: dict[str, Any]) -> str:
    for performer in observation.get("performer") or []:
        identifier = performer.get("identifier") or {}
        if identifier.get("system") == SOURCE_SYSTEM and identifier.get("value"):
            return str(identifier["value"]).strip()
    source = ((observation.get("meta") or {}).get("source")) or ""
    if isinstance(source, str) and source.startswith(SOURCE_URI_BASE):
        return source[len(SOURCE_URI_BASE) :].strip()
    return ""


def _preferred(items: Any, key: str, wanted: Any) -> dict[str, Any] | None:
    if not items:
        return None
    return next((item for item in items if item.get(key) == wanted), items[0])


def _identifier_values(identifiers: Any) -> list[str]:
    return [str(i["value"]).strip() for i in identifiers or [] if i.get("value")]


def _code_in(concept: dict[str, Any], system: str) -> str:
    return next(
        (str(c["code"]) for c in concept.get("coding") or [] if c.get("system") == system and c.get("code")), ""
    )


def _extension(extensions: Iterable[dict[str, Any]], url: str) -> Any:
    for extension in extensions:
        if extension.get("url") == url:
            for key, value in extension.items():
                if key.startswith("value"):
                    return value
    return None


def _local_date(value: Any) -> str:
    """The date, here, of a FHIR date, dateTime or instant: a time with a zone is a moment, dated in the deployment's
    time zone (`validation.local_day`); a date alone, or a time without a zone, is the date as written."""
    text = str(value or "")
    try:
        written = dt.date.fromisoformat(text[:10])
    except ValueError:
        return text[:10] if len(text) > 10 and text[10] == "T" else text
    return validation.local_day(text, written).isoformat()


def _control_characters(data: Any) -> list[str]:
    """Where strings hold characters FHIR forbids (below U+0020 but tab, CR, LF); a database cannot store NUL."""
    found: list[str] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                stack.append((child, (*loc, key)))
                if _FORBIDDEN.search(key):
                    found.append(_expression(loc))
        elif isinstance(value, list):
            stack.extend((child, (*loc, index)) for index, child in enumerate(value))
        elif isinstance(value, str) and _FORBIDDEN.search(value):
            found.append(_expression(loc))
    return sorted(found)


def _expression(loc: Sequence[Any]) -> str:
    path = "Bundle"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _message(text: str) -> str:
    return text.removeprefix("Value error, ")


def _short(error: BaseException) -> str:
    return str(error).split("\n")[0][:200].rstrip(".") or type(error).__name__


# --- answering: an OperationOutcome --------------------------------------------------------


def _issue(
    severity: str, code: str, diagnostics: str, *, expression: Sequence[str] = (), outcome: str = ""
) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code}
    if outcome:
        issue["details"] = {"coding": [{"system": OUTCOME_SYSTEM, "code": outcome}], "text": outcome}
    issue["diagnostics"] = diagnostics
    if expression:
        issue["expression"] = list(expression)
    return issue


def _entries(*positions: int) -> list[str]:
    return [f"Bundle.entry[{p}]" for p in positions]


def outcome_for_bundle(
    read: ReadBundle, outcomes: Iterable[Any], *, submission_id: int | None = None
) -> dict[str, Any]:
    """The OperationOutcome accounting for every entry of a processed Bundle.

    `outcomes` are the pipeline's RowOutcome objects (row_number, outcome, reasons).
    """
    by_row = {row.row.row_number: row for row in read.rows}
    counts = {"accepted": 0, "quarantined": 0, "duplicate": 0}
    issues: list[dict[str, Any]] = []
    for outcome in sorted(outcomes, key=lambda o: o.row_number):
        row = by_row[outcome.row_number]
        where = _entries(row.entry_index, *row.used_entries)
        label = f"Result {row.row.row_number} (Bundle.entry[{row.entry_index}])"
        counts[outcome.outcome] += 1
        if outcome.outcome == "accepted":
            issues.append(
                _issue("information", "informational", f"{label}: accepted.", expression=where, outcome="accepted")
            )
        elif outcome.outcome == "duplicate":
            diagnostics = (
                f"{label}: a duplicate of a result already received for specimen "
                f"{row.row.fields.get('specimen_id', '')}; not taken again."
            )
            if outcome.reasons:
                # The same result, unchanged, is already quarantined: say why, as the first answer did.
                diagnostics += " The copy received before is quarantined until it is fixed: " + " ".join(
                    outcome.reasons
                )
            issues.append(_issue("warning", "duplicate", diagnostics, expression=where, outcome="duplicate"))
        else:
            for reason in outcome.reasons or ["The result could not be accepted."]:
                issues.append(
                    _issue(
                        "error", "invalid", f"{label}: quarantined. {reason}", expression=where, outcome="quarantined"
                    )
                )
    for position, resource_type in read.unused:
        issues.append(
            _issue(
                "warning",
                "informational",
                f"Bundle.entry[{position}] ({resource_type}) is not the subject or specimen of any Observation, "
                "so it was not used.",
                expression=_entries(position),
                outcome="unused",
            )
        )
    received = len(read.rows)
    totals = (
        f"received {received} = accepted {counts['accepted']} + quarantined {counts['quarantined']} "
        f"+ duplicate {counts['duplicate']}"
    )
    if submission_id is not None:
        totals = f"Submission {submission_id}: {totals}"
    issues.append(_issue("information", "informational", totals, outcome="totals"))
    return {"resourceType": "OperationOutcome", "issue": issues}


def outcome_for_error(
    message: str, *, code: str = "structure", issues: Sequence[tuple[str, str]] = (), severity: str = "error"
) -> dict[str, Any]:
    """An OperationOutcome for a request refused as a whole (nothing from it was taken)."""
    found = [_issue(severity, code, message)]
    found.extend(_issue(severity, code, diagnostics, expression=[expression]) for expression, diagnostics in issues)
    return {"resourceType": "OperationOutcome", "issue": found}
