"""Whatever the body, the API answers with an OperationOutcome and a 2xx/4xx status, never a 500."""

from __future__ import annotations

import copy
import json
from typing import Any

from django.test import Client
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.results_api.conftest import one_result, post

ANSWERS = {200, 400, 413, 415}
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# Text that has broken intake elsewhere: NUL (PostgreSQL cannot store it), text longer than a column,
# dates and codes that look nearly right.
awkward_text = st.sampled_from(
    ["\x00", "x" * 300, "2020-13-45", "2020", "9999-12-31", " ", "urn:uuid:", "#", "Patient/", "lt_", "94500-6"]
)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20) | awkward_text
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
resource_types = st.sampled_from(["Patient", "Observation", "Specimen", "Bundle", "Practitioner", "Nonsense", ""])


def _check(response: Any) -> None:
    assert response.status_code in ANSWERS, response.content
    OperationOutcome.model_validate(response.json())


@FUZZ
@given(body=json_values)
def test_any_json_value_gets_an_operation_outcome(world, lab, body) -> None:
    _check(post(Client(), json.dumps(body), lab.secret))


@FUZZ
@given(body=st.binary(max_size=200))
def test_any_bytes_get_an_operation_outcome(world, lab, body) -> None:
    _check(post(Client(), body, lab.secret))


@FUZZ
@given(
    bundle_type=st.sampled_from(["batch", "collection", "transaction", "searchset", 3, None]),
    entries=st.lists(
        st.fixed_dictionaries(
            {"resource": st.fixed_dictionaries({"resourceType": resource_types}, optional={"id": scalars})},
            optional={"fullUrl": scalars, "request": json_values},
        ),
        max_size=5,
    ),
)
def test_bundle_shaped_bodies_get_an_operation_outcome(world, lab, bundle_type, entries) -> None:
    _check(post(Client(), {"resourceType": "Bundle", "type": bundle_type, "entry": entries}, lab.secret))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


@FUZZ
@given(data=st.data())
def test_a_real_result_with_any_part_changed_gets_an_operation_outcome(world, lab, generated_bundles, data) -> None:
    bundle = copy.deepcopy(one_result(generated_bundles[0], data.draw(st.integers(0, 20))))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(bundle)))
        parent = bundle
        for part in path[:-1]:
            parent = parent[part]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(json_values)
        if not _paths(bundle):
            break
    _check(post(Client(), bundle, lab.secret))
