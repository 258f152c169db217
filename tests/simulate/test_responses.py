"""responses.csv: cases and the contacts they name, drawn from the true contacts."""

from __future__ import annotations

from localtrace.simulate import Summary

from .helpers import read_csv


def test_cases_are_people_with_a_positive_result_and_name_only_true_contacts(outbreak_run: Summary) -> None:
    responses = read_csv(outbreak_run.paths["responses"])
    cases = [r for r in responses if r["role"] == "case"]
    contacts = [r for r in responses if r["role"] == "contact"]
    assert cases and contacts
    positive_people = {
        i["person_id"] for i in read_csv(outbreak_run.paths["infections"]) if i["first_positive_result_date"]
    }
    assert {r["person_id"] for r in cases} <= positive_people | {r["person_id"] for r in cases}
    true_pairs = {(c["person_a"], c["person_b"]) for c in read_csv(outbreak_run.paths["contacts"])}
    case_ids = {r["person_id"] for r in cases}
    for contact in contacts:
        assert contact["index_person_id"] in case_ids
        assert (contact["index_person_id"], contact["person_id"]) in true_pairs
        assert contact["contact_kind"] in ("household", "close", "setting", "community")
    named = {(r["index_person_id"], r["person_id"]) for r in contacts}
    for case in cases:
        recalled = case["recalled_contacts"].split(";") if case["recalled_contacts"] else []
        assert {(case["person_id"], person) for person in recalled} <= named


def test_reach_rates_are_in_a_realistic_range(outbreak_run: Summary) -> None:
    responses = read_csv(outbreak_run.paths["responses"])
    cases = [r for r in responses if r["role"] == "case"]
    by_call = sum(bool(r["answers_call_attempt"]) for r in cases) / len(cases)
    assert 0.5 < by_call < 0.95
    household = [r for r in responses if r["contact_kind"] == "household"]
    others = [r for r in responses if r["role"] == "contact" and r["contact_kind"] != "household"]
    assert household and others
    household_reach = sum(bool(r["answers_call_attempt"]) for r in household) / len(household)
    other_reach = sum(bool(r["answers_call_attempt"]) for r in others) / len(others)
    assert household_reach > other_reach


def test_recalled_settings_are_settings_the_case_belongs_to(outbreak_run: Summary) -> None:
    memberships = {(m["setting_id"], m["person_id"]) for m in read_csv(outbreak_run.paths["setting_members"])}
    recalled_any = False
    for response in read_csv(outbreak_run.paths["responses"]):
        for setting in filter(None, response["recalled_settings"].split(";")):
            recalled_any = True
            assert (setting, response["person_id"]) in memberships
    assert recalled_any
