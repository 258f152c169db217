"""The outbreak's ground truth: who infected whom, where, and the contacts behind it."""

from __future__ import annotations

import datetime as dt

from localtrace.simulate import Summary, TransmissionParameters, generate_to
from localtrace.simulate.run import SimulationConfig

from .helpers import read_csv


def test_every_infection_has_a_consistent_source(outbreak_run: Summary) -> None:
    infections = {i["person_id"]: i for i in read_csv(outbreak_run.paths["infections"])}
    people = {p["person_id"]: p for p in read_csv(outbreak_run.paths["people"])}
    members = {(m["setting_id"], m["person_id"]) for m in read_csv(outbreak_run.paths["setting_members"])}
    routes = {i["route"] for i in infections.values()}
    assert routes == {"seed", "import", "household", "setting", "close", "community"}
    for person, infection in infections.items():
        if infection["route"] in ("seed", "import"):
            assert infection["infector_id"] == ""
            continue
        infector = infections[infection["infector_id"]]
        assert int(infector["infected_day"]) < int(infection["infected_day"])
        if infection["route"] == "household":
            assert people[person]["household_id"] == people[infection["infector_id"]]["household_id"]
        if infection["route"] == "setting":
            assert (infection["setting_id"], person) in members
            assert (infection["setting_id"], infection["infector_id"]) in members
        else:
            assert infection["setting_id"] == ""
        if infection["onset_date"]:
            assert infection["onset_date"] > infection["infected_date"]


def test_every_transmission_is_a_recorded_contact(outbreak_run: Summary) -> None:
    contacts = {(c["person_a"], c["person_b"], c["date"]) for c in read_csv(outbreak_run.paths["contacts"])}
    household_pairs = {(a, b) for a, b, _ in contacts}
    for infection in read_csv(outbreak_run.paths["infections"]):
        if infection["infector_id"]:
            pair = (infection["infector_id"], infection["person_id"])
            assert (*pair, infection["infected_date"]) in contacts or pair in household_pairs


def test_the_outbreak_grows_and_some_settings_have_genuine_outbreaks(outbreak_run: Summary) -> None:
    infections = read_csv(outbreak_run.paths["infections"])
    assert len(infections) > 300
    outbreaks = read_csv(outbreak_run.paths["outbreaks"])
    assert len(outbreaks) >= 3
    by_setting: dict[str, list[dt.date]] = {}
    for infection in infections:
        if infection["route"] == "setting":
            by_setting.setdefault(infection["setting_id"], []).append(dt.date.fromisoformat(infection["infected_date"]))
    for outbreak in outbreaks:
        days = sorted(by_setting[outbreak["setting_id"]])
        best = max(sum(1 for d in days if 0 <= (d - first).days < 14) for first in days)
        assert best == int(outbreak["infections"]) >= 3


def test_a_higher_reproduction_number_means_more_infections(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from localtrace.simulate import generate

    low = generate(
        SimulationConfig(
            people=5000, days=30, seed=5, fhir=False, transmission=TransmissionParameters(reproduction_number=1.0)
        ),
        tmp_path / "low",
    )
    high = generate(
        SimulationConfig(
            people=5000, days=30, seed=5, fhir=False, transmission=TransmissionParameters(reproduction_number=3.0)
        ),
        tmp_path / "high",
    )
    assert high.counts["infections"] > 2 * low.counts["infections"]


def test_the_small_fixture_is_quick_to_make(tmp_path) -> None:  # type: ignore[no-untyped-def]
    summary = generate_to(tmp_path, people=1000, days=30, seed=1)
    assert summary.counts["people"] == 1000
    assert summary.counts["results"] > 50
