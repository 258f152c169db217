"""The synthetic population: household sizes, ages, names, contact details and languages."""

from __future__ import annotations

import collections
import datetime as dt
import re

from localtrace.simulate import Summary

from .helpers import read_csv


def test_private_household_sizes_follow_the_census_distribution(outbreak_run: Summary) -> None:
    households = [h for h in read_csv(outbreak_run.paths["households"]) if h["kind"] != "communal"]
    sizes = collections.Counter(int(h["size"]) for h in households)
    total = sum(sizes.values())
    assert 0.26 < sizes[1] / total < 0.34
    assert 0.30 < sizes[2] / total < 0.38
    assert 0.02 < sum(n for size, n in sizes.items() if size >= 5) / total < 0.12
    mean = sum(size * n for size, n in sizes.items()) / total
    assert 2.2 < mean < 2.55


def test_household_sizes_match_their_members(small_run: Summary) -> None:
    people = read_csv(small_run.paths["people"])
    members = collections.Counter(p["household_id"] for p in people)
    for household in read_csv(small_run.paths["households"]):
        assert members[household["household_id"]] == int(household["size"])


def test_ages_are_close_to_the_ons_age_structure(outbreak_run: Summary) -> None:
    start = dt.date(2020, 10, 1)
    ages = [
        (start - dt.date.fromisoformat(p["date_of_birth"])).days // 365.25
        for p in read_csv(outbreak_run.paths["people"])
    ]
    under_18 = sum(age < 18 for age in ages) / len(ages)
    over_65 = sum(age >= 65 for age in ages) / len(ages)
    assert 0.18 < under_18 < 0.25  # ONS mid-2020: about 21%
    assert 0.14 < over_65 < 0.22  # about 19%
    assert max(ages) < 106 and min(ages) >= 0


def test_names_reflect_a_diverse_population(outbreak_run: Summary) -> None:
    people = read_csv(outbreak_run.paths["people"])
    names = [p["given_name"] + " " + p["family_name"] for p in people]
    assert any(not name.isascii() for name in names)
    assert any("'" in name for name in names)
    assert any("-" in name for name in names)
    heritages = collections.Counter(p["heritage"] for p in people)
    assert len(heritages) >= 12
    assert heritages["british"] / len(people) > 0.5


def test_contact_details_are_safe_and_well_formed(outbreak_run: Summary) -> None:
    people = read_csv(outbreak_run.paths["people"])
    phones = [p["phone"] for p in people if p["phone"]]
    emails = [p["email"] for p in people if p["email"]]
    assert 0.6 < len(phones) / len(people) < 0.95
    assert 0.3 < len(emails) / len(people) < 0.7
    for phone in phones:
        assert re.fullmatch(r"07[1-57-9]\d{8}", phone)
        assert not phone.startswith("07700900")
    for email in emails:
        assert re.fullmatch(r"[a-z0-9.\-]+@example\.(com|org|net)", email), email


def test_more_people_prefer_welsh_in_wales(outbreak_run: Summary) -> None:
    people = read_csv(outbreak_run.paths["people"])
    welsh = [p for p in people if p["district_code"].startswith("W")]
    english = [p for p in people if p["district_code"].startswith("E")]
    welsh_share = sum(p["preferred_language"] == "cy" for p in welsh) / len(welsh)
    english_share = sum(p["preferred_language"] == "cy" for p in english) / len(english)
    assert welsh_share > 0.05 > english_share
    assert {p["preferred_language"] for p in people} >= {"en", "cy", "pl", "ur", "pa", "bn", "zh"}
