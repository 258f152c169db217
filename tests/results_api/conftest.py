"""Shared set-up for the FHIR API tests: generated bundles, submitters with tokens, a way to post."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from localtrace.areas.services import load_postcode_directory_file
from localtrace.cases.models import Case
from localtrace.people.models import Person
from localtrace.results import fhir
from localtrace.results.models import QuarantinedRow, Submitter, SubmitterToken, TestResult
from localtrace.results.tokens import create_token
from localtrace.simulate import Summary, generate_to

URL = "/api/fhir/Bundle"
FHIR_JSON = "application/fhir+json"


@pytest.fixture(scope="session")
def fhir_run(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    """The generator's clean FHIR bundles (and its postcode directory), made once per session."""
    return generate_to(tmp_path_factory.mktemp("fhir"), people=3000, days=30, seed=1)


@pytest.fixture(scope="session")
def generated_bundles(fhir_run: Summary) -> list[dict[str, Any]]:
    path = Path(fhir_run.out_dir) / "results.fhir.ndjson"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def source_of(observation: dict[str, Any]) -> str:
    return str(observation["meta"]["source"]).removeprefix(fhir.SOURCE_URI_BASE)


def split_by_source(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The generator mixes laboratories in one Bundle; a laboratory sends only its own results."""
    by_source: dict[str, list[dict[str, Any]]] = {}
    entries = bundle["entry"]
    for start in range(0, len(entries), 3):
        patient, specimen, observation = entries[start : start + 3]
        by_source.setdefault(source_of(observation["resource"]), []).extend([patient, specimen, observation])
    return {
        source: {"resourceType": "Bundle", "id": f"{bundle['id']}-{source}", "type": "batch", "entry": chosen}
        for source, chosen in by_source.items()
    }


def one_result(bundle: dict[str, Any], index: int = 0) -> dict[str, Any]:
    """A Bundle of one result (Patient, Specimen, Observation) taken from a generated Bundle."""
    return {"resourceType": "Bundle", "type": "batch", "entry": bundle["entry"][3 * index : 3 * index + 3]}


@dataclass
class Lab:
    submitter: Submitter
    token: SubmitterToken
    secret: str

    @property
    def code(self) -> str:
        return self.submitter.code


@pytest.fixture
def make_lab(db: None) -> Callable[[str], Lab]:
    def make(code: str) -> Lab:
        submitter, _ = Submitter.objects.get_or_create(code=code, defaults={"name": f"{code} laboratory"})
        token, secret = create_token(submitter, name="Laboratory system")
        return Lab(submitter, token, secret)

    return make


@pytest.fixture
def lab(make_lab: Callable[[str], Lab]) -> Lab:
    return make_lab("LAB-NORTH")


@pytest.fixture
def routed(world: Any, fhir_run: Summary) -> Any:
    """The world, with the generator's postcodes routed to its areas (so positives open cases)."""
    out = Path(fhir_run.out_dir)
    load_postcode_directory_file(out / "postcodes.csv", out / "area_names.csv")
    return world


def post(client: Client, body: Any, secret: str | None, *, content_type: str = FHIR_JSON, **extra: Any) -> Any:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    if secret is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client.post(URL, data=data, content_type=content_type, **extra)


def counts() -> dict[str, int]:
    """Everything a submission could create beyond its own Submission row."""
    return {
        "results": TestResult.objects.count(),
        "people": Person.objects.count(),
        "cases": Case.objects.count(),
        "quarantined": QuarantinedRow.objects.count(),
    }


def issues_by_outcome(outcome: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for issue in outcome["issue"]:
        code = issue.get("details", {}).get("coding", [{}])[0].get("code", "")
        found.setdefault(code, []).append(issue)
    return found


@pytest.fixture
def world(db: None) -> Any:
    """Intake tests count results, people and cases from nothing (see tests/results/conftest.py)."""
    from tests.results.conftest import build_intake_world

    return build_intake_world()
