"""How cases and their contacts would respond to tracing: calls answered, links used, doors
opened, and which true contacts and settings a case recalls.

Figures are set so that a call-only ladder of three attempts reaches about 80% of cases and
about 60% of non-household contacts, as NHS Test and Trace reported in autumn 2020.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from localtrace.simulate import constants as c
from localtrace.simulate.places import Places
from localtrace.simulate.population import Population
from localtrace.simulate.timeline import Timeline
from localtrace.simulate.transmission import NEVER, Outbreak
from localtrace.simulate.writers import open_csv, setting_code

RESPONSE_COLUMNS = (
    "person_id",
    "role",
    "index_person_id",
    "contact_kind",
    "last_contact_date",
    "notified_date",
    "has_phone",
    "has_email",
    "answers_call_attempt",
    "hours_to_answer_call",
    "uses_web_link",
    "hours_to_use_web_link",
    "answers_door",
    "shares_contacts",
    "isolates",
    "support_needs",
    "recalled_contacts",
    "recalled_settings",
)
CALL_ATTEMPTS = 3
# Chance of answering one call, by age band (under 30, 30-64, 65 and over).
CALL_ANSWER = {"case": (0.45, 0.55, 0.65), "contact": (0.25, 0.3, 0.45)}
HOUSEHOLD_CALL_BONUS = 0.2  # the case passes the message on and vouches for the call
WEB_LINK_USE = (0.55, 0.5, 0.25)
DOOR_ANSWER = 0.65
SHARES_CONTACTS = 0.9
# Chance a case names a true contact of each kind (household, close, setting, community).
RECALL_BY_KIND = np.array([0.97, 0.7, 0.35, 0.02])
# Chance a case names a setting they belong to, by setting kind.
SETTING_RECALL = np.array([0.85, 0.9, 0.95, 0.5, 0.7, 0.85, 0.5])
SUPPORT_NEEDS = (("food", 0.10), ("medicine", 0.05), ("money", 0.15), ("caring", 0.04), ("wellbeing", 0.06))
# The infectious period starts two days before onset (or the test, without symptoms).
INFECTIOUS_BEFORE = 2


def _age_band(age: np.ndarray) -> np.ndarray:
    return np.where(age < 30, 0, np.where(age < 65, 1, 2))


class ResponseModel:
    """Draws each person's response; one draw per (person, role, index case)."""

    def __init__(self, population: Population, rng: np.random.Generator) -> None:
        self.population = population
        self.rng = rng

    def draw(self, people: np.ndarray, role: str, household: np.ndarray) -> dict[str, np.ndarray]:
        rng = self.rng
        count = people.size
        population = self.population
        contact_person = population.contact_person[people]
        has_phone = population.phone[contact_person] > 0
        has_email = population.email_style[contact_person] >= 0
        band = _age_band(population.age[people])
        answer = np.array(CALL_ANSWER[role])[band] + np.where(household, HOUSEHOLD_CALL_BONUS, 0.0)
        attempts = rng.random((count, CALL_ATTEMPTS)) < answer[:, None]
        answered = attempts.any(axis=1) & has_phone
        first_attempt = np.where(answered, attempts.argmax(axis=1) + 1, 0)
        # Attempts go out within 4 hours, then at about 8 and 20 hours.
        hours = np.where(
            first_attempt == 1,
            rng.uniform(0.2, 4, count),
            np.where(first_attempt == 2, rng.uniform(4, 12, count), rng.uniform(12, 24, count)),
        )
        reachable_online = has_phone | has_email
        uses_link = reachable_online & (rng.random(count) < np.array(WEB_LINK_USE)[band])
        link_hours = rng.exponential(6.0, count)
        return {
            "has_phone": has_phone,
            "has_email": has_email,
            "answers_call_attempt": first_attempt,
            "hours_to_answer_call": np.where(answered, hours, np.nan),
            "uses_web_link": uses_link,
            "hours_to_use_web_link": np.where(uses_link, link_hours, np.nan),
            "answers_door": rng.random(count) < DOOR_ANSWER,
            "shares_contacts": rng.random(count) < SHARES_CONTACTS,
            "support": np.stack([rng.random(count) < share for _, share in SUPPORT_NEEDS], axis=1),
        }


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _hours(value: float) -> str:
    return "" if np.isnan(value) else f"{value:.1f}"


def write_responses(
    path: Path,
    population: Population,
    places: Places,
    outbreak: Outbreak,
    first_positive_day: np.ndarray,
    first_positive_specimen_day: np.ndarray,
    contacts: tuple[np.ndarray, ...],
    timeline: Timeline,
    rng: np.random.Generator,
) -> dict[str, int]:
    """One row per case (a person with a positive result) and per contact a case names."""
    model = ResponseModel(population, rng)
    cases = np.flatnonzero(first_positive_day != NEVER)
    cases = cases[np.argsort(first_positive_day[cases], kind="stable")]
    case_responses = model.draw(cases, "case", np.zeros(cases.size, dtype=bool))
    reached = (
        (case_responses["answers_call_attempt"] > 0) | case_responses["uses_web_link"] | case_responses["answers_door"]
    )
    names_contacts = reached & case_responses["shares_contacts"]

    # True contacts in each case's infectious period, up to the day they got their result.
    person_a, person_b, day, kind, _ = contacts
    onset = outbreak.onset_day.astype(np.int64)
    specimen = first_positive_specimen_day.astype(np.int64)
    anchor = np.where(onset < specimen, onset, specimen)
    window_start = anchor - INFECTIOUS_BEFORE
    is_case = first_positive_day != NEVER
    relevant = is_case[person_a]
    a, b, contact_day, contact_kind = (
        person_a[relevant],
        person_b[relevant],
        day[relevant].astype(np.int64),
        kind[relevant],
    )
    in_window = (contact_day >= window_start[a]) & (contact_day <= first_positive_day[a].astype(np.int64))
    a, b, contact_day, contact_kind = a[in_window], b[in_window], contact_day[in_window], contact_kind[in_window]
    # One pair per (case, contact): the closest kind and the latest date.
    order = np.lexsort((-contact_day, contact_kind, b, a))
    a, b, contact_day, contact_kind = a[order], b[order], contact_day[order], contact_kind[order]
    first_of_pair = np.ones(a.size, dtype=bool)
    first_of_pair[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    last_day = np.maximum.reduceat(contact_day, np.flatnonzero(first_of_pair)) if a.size else contact_day
    a, b, contact_kind = a[first_of_pair], b[first_of_pair], contact_kind[first_of_pair]
    recalled = rng.random(a.size) < RECALL_BY_KIND[contact_kind]
    case_position = np.full(population.size, -1, dtype=np.int64)
    case_position[cases] = np.arange(cases.size)
    named = recalled & names_contacts[case_position[a]]

    named_a, named_b, named_kind, named_day = a[named], b[named], contact_kind[named], last_day[named]
    # named_a is sorted, so each case's named contacts are one slice of it.
    sorted_cases = np.sort(cases)
    pair_start = np.searchsorted(named_a, sorted_cases, side="left")
    pair_end = np.searchsorted(named_a, sorted_cases, side="right")
    contact_responses = model.draw(named_b, "contact", named_kind == c.HOUSEHOLD_CONTACT)
    notify_delay = rng.integers(0, 2, size=named_b.size)
    rows = 0
    handle, writer = open_csv(path, RESPONSE_COLUMNS)
    with handle:
        for position, case in enumerate(cases.tolist()):
            where = int(np.searchsorted(sorted_cases, case))
            first, last = int(pair_start[where]), int(pair_end[where])
            memberships = places.person_membership[places.person_start[case] : places.person_start[case + 1]]
            member_settings = np.searchsorted(places.setting_start, memberships, side="right") - 1
            recalls = rng.random(member_settings.size) < SETTING_RECALL[places.kind[member_settings]]
            recalled_settings = member_settings[recalls] if names_contacts[position] else member_settings[:0]
            result_day = int(first_positive_day[case])
            case_row = _row(case, "case", None, "", "", timeline.iso(result_day), case_responses, position, outbreak)
            case_row.append(";".join(str(person + 1) for person in named_b[first:last].tolist()))
            case_row.append(";".join(setting_code(setting) for setting in recalled_settings.tolist()))
            writer.writerow(case_row)
            rows += 1
            for pair in range(first, last):
                contact_row = _row(
                    int(named_b[pair]),
                    "contact",
                    case,
                    c.CONTACT_KINDS[int(named_kind[pair])],
                    timeline.iso(int(named_day[pair])),
                    timeline.iso(result_day + int(notify_delay[pair])),
                    contact_responses,
                    pair,
                    outbreak,
                )
                writer.writerow([*contact_row, "", ""])
                rows += 1
    return {"response_rows": rows, "cases": int(cases.size), "named_contacts": int(named_b.size)}


def _row(
    person: int,
    role: str,
    index_person: int | None,
    contact_kind: str,
    last_contact: str,
    notified: str,
    responses: dict[str, np.ndarray],
    i: int,
    outbreak: Outbreak,
) -> list[str]:
    attempt = int(responses["answers_call_attempt"][i])
    needs = [name for (name, _), needed in zip(SUPPORT_NEEDS, responses["support"][i].tolist(), strict=True) if needed]
    return [
        str(person + 1),
        role,
        "" if index_person is None else str(index_person + 1),
        contact_kind,
        last_contact,
        notified,
        _yes(bool(responses["has_phone"][i])),
        _yes(bool(responses["has_email"][i])),
        str(attempt) if attempt else "",
        _hours(float(responses["hours_to_answer_call"][i])),
        _yes(bool(responses["uses_web_link"][i])),
        _hours(float(responses["hours_to_use_web_link"][i])),
        _yes(bool(responses["answers_door"][i])),
        _yes(bool(responses["shares_contacts"][i])),
        _yes(bool(outbreak.complies[person])),
        ";".join(needs),
    ]
