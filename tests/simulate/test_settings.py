"""Settings and their members: who goes to school, to work, lives or works in a care home."""

from __future__ import annotations

import collections
import datetime as dt

from localtrace.simulate import Summary

from .helpers import read_csv

START = dt.date(2020, 10, 1)


def _age(person: dict[str, str]) -> int:
    born = dt.date.fromisoformat(person["date_of_birth"])
    return START.year - born.year - ((START.month, START.day) < (born.month, born.day))


def test_memberships_follow_age_and_role(outbreak_run: Summary) -> None:
    people = {p["person_id"]: p for p in read_csv(outbreak_run.paths["people"])}
    settings = {s["setting_id"]: s for s in read_csv(outbreak_run.paths["settings"])}
    members = read_csv(outbreak_run.paths["setting_members"])
    by_kind_role: dict[tuple[str, str], list[dict[str, str]]] = collections.defaultdict(list)
    for member in members:
        by_kind_role[settings[member["setting_id"]]["kind"], member["role"]].append(people[member["person_id"]])

    assert all(4 <= _age(p) <= 17 for p in by_kind_role["school", "pupil"])
    assert all(_age(p) >= 65 for p in by_kind_role["care_home", "resident"])
    assert all(p["occupation"] == "social_care" for p in by_kind_role["care_home", "worker"])
    assert all(p["occupation"] == "education" for p in by_kind_role["school", "worker"])
    assert all(p["occupation"] == "health_care" for p in by_kind_role["healthcare", "worker"])
    assert all(_age(p) >= 18 for p in by_kind_role["workplace", "worker"] + by_kind_role["hospitality", "visitor"])

    school_age = [p for p in people.values() if 5 <= _age(p) <= 15]
    pupils = {p["person_id"] for p in by_kind_role["school", "pupil"]}
    assert sum(p["person_id"] in pupils for p in school_age) / len(school_age) > 0.97
    working = [p for p in people.values() if p["occupation"]]
    assert 0.35 < len(working) / len(people) < 0.55
    in_a_setting = {m["person_id"] for m in members}
    assert len(in_a_setting) / len(people) > 0.6


def test_care_home_people_are_flagged(outbreak_run: Summary) -> None:
    settings = {s["setting_id"]: s for s in read_csv(outbreak_run.paths["settings"])}
    care_home_people = {
        m["person_id"]
        for m in read_csv(outbreak_run.paths["setting_members"])
        if settings[m["setting_id"]]["kind"] == "care_home"
    }
    flagged = {p["person_id"] for p in read_csv(outbreak_run.paths["people"]) if p["care_home"] == "yes"}
    assert flagged == care_home_people
    assert 0.004 < len(flagged) / 30_000 < 0.03


def test_settings_cover_every_kind_with_plausible_sizes(outbreak_run: Summary) -> None:
    settings = read_csv(outbreak_run.paths["settings"])
    kinds = collections.Counter(s["kind"] for s in settings)
    assert set(kinds) == {"workplace", "school", "care_home", "hospitality", "place_of_worship", "healthcare", "other"}
    sizes = collections.Counter(m["setting_id"] for m in read_csv(outbreak_run.paths["setting_members"]))
    kind_of = {s["setting_id"]: s["kind"] for s in settings}
    schools = [n for setting, n in sizes.items() if kind_of[setting] == "school"]
    assert 100 < sum(schools) / len(schools) < 1500
    workplaces = sorted(n for setting, n in sizes.items() if kind_of[setting] == "workplace")
    assert workplaces[len(workplaces) // 2] < 10 < workplaces[-1]  # most small, some large
