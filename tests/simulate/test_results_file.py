"""results.csv and results.fhir.ndjson: the intake format, values, truth mapping and FHIR validity."""

from __future__ import annotations

import collections
import datetime as dt
import json
import re

from fhir.resources.R4B.bundle import Bundle
from hypothesis import given
from hypothesis import strategies as st

from localtrace.simulate import Summary, fhir, nhs
from localtrace.simulate import constants as c

from .helpers import read_csv, read_rows


def test_the_clean_file_uses_only_documented_values(clean_run: Summary) -> None:
    header, _ = read_rows(clean_run.paths["results"])
    assert header == list(c.RESULTS_COLUMNS)
    codes = dict(zip(c.RESULTS, c.RESULT_CODES, strict=True))
    tests = dict(zip(c.TEST_TYPES, c.TEST_CODES, strict=True))
    sources = {source for source, _, _ in c.SOURCES}
    for row in read_csv(clean_run.paths["results"]):
        assert row["source_id"] in sources
        assert row["sex"] in c.SEXES
        assert row["test_type"] in tests and row["test_code"] == tests[row["test_type"]]
        assert row["result"] in codes and row["result_code"] == codes[row["result"]]
        assert row["care_home"] in ("yes", "no")
        assert row["occupation"] in c.OCCUPATIONS
        assert re.fullmatch(r"[a-z]{2}", row["preferred_language"])
        for field in ("date_of_birth", "specimen_date", "result_date"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", row[field])
        assert row["specimen_date"] <= row["result_date"]
        assert not row["nhs_number"] or nhs.is_valid(row["nhs_number"])
        if row["test_type"] == "LFD":
            assert row["source_id"].startswith("LFD-") and row["result_date"] == row["specimen_date"]


def test_no_result_is_reported_after_the_last_simulated_day(clean_run: Summary) -> None:
    last_day = (dt.date(2020, 10, 1) + dt.timedelta(days=29)).isoformat()  # 30 days from the start
    assert max(row["result_date"] for row in read_csv(clean_run.paths["results"])) <= last_day


def test_specimen_ids_are_unique_within_a_source(clean_run: Summary) -> None:
    seen = collections.Counter((r["source_id"], r["specimen_id"]) for r in read_csv(clean_run.paths["results"]))
    assert max(seen.values()) == 1


def test_every_result_row_maps_to_a_true_person(small_run: Summary) -> None:
    _, rows = read_rows(small_run.paths["results"])
    records = [r for r in read_csv(small_run.paths["records"]) if r["file"] == "results.csv"]
    assert [int(r["row"]) for r in records] == list(range(1, len(rows) + 1))
    people = {p["person_id"]: p for p in read_csv(small_run.paths["people"])}
    faulty_dates = {int(f["row"]) for f in read_csv(small_run.paths["faults"]) if f["field"] == "date_of_birth"}
    column = c.RESULTS_COLUMNS.index("date_of_birth")
    for row, record in zip(rows, records, strict=True):
        person = people[record["person_id"]]
        if int(record["row"]) not in faulty_dates:
            assert row[column] == person["date_of_birth"]


def test_clean_rows_carry_the_true_persons_details(clean_run: Summary) -> None:
    people = {p["person_id"]: p for p in read_csv(clean_run.paths["people"])}
    records = read_csv(clean_run.paths["records"])
    for row, record in zip(read_csv(clean_run.paths["results"]), records, strict=True):
        person = people[record["person_id"]]
        assert row["nhs_number"] == person["nhs_number"]
        assert (row["given_name"], row["family_name"], row["date_of_birth"]) == (
            person["given_name"],
            person["family_name"],
            person["date_of_birth"],
        )
        assert row["sex"] in (person["sex"], "unknown")


def test_positives_are_mostly_true_infections_and_positivity_is_a_few_percent(outbreak_run: Summary) -> None:
    infected = {i["person_id"] for i in read_csv(outbreak_run.paths["infections"])}
    records = [r for r in read_csv(outbreak_run.paths["records"]) if r["file"] == "results.csv"]
    results = read_csv(outbreak_run.paths["results"])
    positive = [record for record, row in zip(records, results, strict=True) if row["result"].lower() == "positive"]
    assert positive
    assert sum(r["person_id"] in infected for r in positive) / len(positive) > 0.95
    positivity = outbreak_run.counts["positive"] / outbreak_run.counts["results"]
    assert 0.005 < positivity < 0.15


def test_fhir_bundles_validate_and_hold_the_same_results(small_run: Summary) -> None:
    lines = small_run.paths["fhir"].read_text(encoding="utf-8").splitlines()
    observations = 0
    for line in lines:
        data = json.loads(line)
        assert data["type"] == "batch" and len(data["entry"]) <= 3 * 100
        Bundle.model_validate(data)
        urls = {entry["fullUrl"] for entry in data["entry"]}
        for entry in data["entry"]:
            resource = entry["resource"]
            assert resource["meta"]["source"].startswith("urn:localtrace:source:")
            if resource["resourceType"] == "Observation":
                observations += 1
                assert resource["subject"]["reference"] in urls
                assert resource["specimen"]["reference"] in urls
                assert resource["code"]["coding"][0]["system"] == "http://loinc.org"
                assert resource["valueCodeableConcept"]["coding"][0]["system"] == "http://snomed.info/sct"
    assert (
        observations
        == small_run.counts["results"]
        == small_run.counts["result_rows"] - small_run.counts["duplicate_rows"]
    )


def test_fhir_matches_the_clean_csv_row_for_row(clean_run: Summary) -> None:
    rows = read_csv(clean_run.paths["results"])
    entries = [
        e
        for line in clean_run.paths["fhir"].read_text(encoding="utf-8").splitlines()
        for e in json.loads(line)["entry"]
    ]
    patients = entries[0::3]
    specimens = entries[1::3]
    observations = entries[2::3]
    assert len(observations) == len(rows)
    for row, patient, specimen, observation in zip(rows, patients, specimens, observations, strict=True):
        identifiers = patient["resource"].get("identifier", [])
        assert [i["value"] for i in identifiers] == ([row["nhs_number"]] if row["nhs_number"] else [])
        assert identifiers == [] or identifiers[0]["system"] == "https://fhir.nhs.uk/Id/nhs-number"
        assert specimen["resource"]["identifier"][0]["value"] == row["specimen_id"]
        assert specimen["resource"]["identifier"][0]["system"].endswith(row["source_id"])
        assert observation["resource"]["effectiveDateTime"] == row["specimen_date"]
        assert observation["resource"]["issued"].startswith(row["result_date"])
        assert observation["resource"]["valueCodeableConcept"]["coding"][0]["code"] == row["result_code"]
        assert observation["resource"]["code"]["coding"][0]["code"] == row["test_code"]


def test_the_fhir_batch_size_is_configurable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from localtrace.simulate import generate_to

    summary = generate_to(tmp_path, people=500, days=20, seed=1, fhir_batch=7)
    lines = summary.paths["fhir"].read_text(encoding="utf-8").splitlines()
    sizes = [len(json.loads(line)["entry"]) // 3 for line in lines]
    assert all(size == 7 for size in sizes[:-1]) and 1 <= sizes[-1] <= 7
    assert sum(sizes) == summary.counts["results"]


@given(
    st.text(min_size=1, max_size=30),
    st.text(min_size=1, max_size=30),
    st.text(max_size=40),
    st.booleans(),
    st.sampled_from([0, 1]),
    st.sampled_from([0, 1, 2]),
)
def test_the_fast_fhir_writer_gives_the_same_json_as_the_dicts(
    given_name: str, family_name: str, address: str, with_contacts: bool, test_type: int, result: int
) -> None:
    facts = fhir.ResultFacts(
        source_id="LAB-NORTH",
        specimen_id="LN00000001",
        nhs_number="9434765919" if with_contacts else "",
        given_name=given_name,
        family_name=family_name,
        date_of_birth="1990-01-31",
        sex="other",
        address_line_1=address,
        postcode="FX1 2AB",
        phone="07123456789" if with_contacts else "",
        email="a.b@example.com" if with_contacts else "",
        preferred_language="cy",
        test_type_index=test_type,
        result_index=result,
        specimen_date="2020-10-01",
        result_date="2020-10-02",
        care_home=with_contacts,
        occupation="education" if with_contacts else "",
    )
    as_dicts = fhir.result_entries(facts, fhir.UuidMaker(42))
    as_text = json.loads("[" + fhir.result_entries_json(facts, fhir.UuidMaker(42)) + "]")
    assert as_text == as_dicts
