"""The demo's working day: the simulated outbreak's people respond to tracing, through the tracers' own actions.

After intake has opened the cases, `play_working_day` plays the generator's response model
(`responses.csv`) for the cases in the demo's two areas, acting as the demo tracers:

1. **History.** Cases that arrived before the working day (intake's `arrived_on_result_date_before`
   dates them on their result date) are replayed from their arrival up to `now`: calls in working
   hours, the self-service link and closing as unreachable taken by the escalation ladder
   (`advance_due`), doorstep visits; whoever answers is interviewed (identity, symptoms with the
   true onset date, the contacts they recall by their real names), most interviews are completed,
   and their contacts are reached the same way (a household together).
2. **This morning.** Cases that arrived in the last few hours are taken with "get next"
   (`claim_next`, so the claims are real) by the area's tracers in turn, until part of the batch has
   had its first call; the rest wait in the queue. Then part of the contacts named this morning.

Nothing is written to cases, contacts, attempts or timelines except through those actions, each
with the time it happened (`at`), so the ladder, deadlines and timelines agree. Randomness comes
from the seed and the simulated person ids, so a seed always gives the same day.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.utils import timezone

from localtrace.accounts.access import scoped
from localtrace.accounts.models import User
from localtrace.areas.models import Team
from localtrace.audit.subject_access import start_request
from localtrace.cases import ladder
from localtrace.cases.escalation import advance_due
from localtrace.cases.investigation import (
    InvestigationError,
    complete,
    confirm_identity,
    nothing_more_to_add,
    record_attempt,
    record_symptoms,
)
from localtrace.cases.models import OPEN_STATUSES, Attempt, Case, Status, WorkItem
from localtrace.cases.queue import claim_next, release
from localtrace.config import policy
from localtrace.contacts.models import Contact
from localtrace.contacts.services import NamedContact, household_of, name_contact
from localtrace.places.clusters import scan
from localtrace.places.services import direction_for, record_visit
from localtrace.portal.answers import submit_case_answers
from localtrace.results.validation import normalise_phone
from localtrace.support.demo import ask_about_support, needs_of, play_support_day

# Who works each area's queue, in turn (usernames from localtrace.demo.services).
TRACERS = (("tracer.a", "lead.a", "surge.tracer"), ("tracer.b",))
# Calls and doorstep visits happen between these hours; the ladder's automatic steps at any time.
WORKING_HOURS = (8, 20)
# Working hours from arrival (or being named) to the first call: cases are called first, contacts queue
# longer; and from a doorstep visit falling due to the visit, fitted into the local team's rounds.
FIRST_CALL_CASE = (0.25, 3.0)
FIRST_CALL_CONTACT = (0.5, 10.0)
DOORSTEP_VISIT = (1.0, 10.0)
# Cases that arrived this long before `now`, or later, are this morning's batch.
FRESH = dt.timedelta(hours=3)
# Share of this morning's cases that have had their first call, and of its contacts.
MORNING_CASES_WORKED = 0.6
MORNING_CONTACTS_WORKED = 0.6
# Share of reached cases whose interview is completed (the rest are still being followed up).
CASES_COMPLETED = 0.8
CONTACTS_COMPLETED = 0.9
# Share of cases sent a self-service link who answer it online (if a call has not reached them first),
# and the hours from the link to their answers.
ANSWERS_ONLINE = 0.35
ONLINE_AFTER = (0.3, 6.0)
# Anyone reached longer ago than this has had their interview or advice completed.
FOLLOW_UP = dt.timedelta(days=1)
CONTACT_KINDS = {
    "household": Contact.Kind.HOUSEHOLD,
    "close": Contact.Kind.CLOSE,
    "setting": Contact.Kind.SETTING,
    "community": Contact.Kind.PROXIMITY,
}


class WorkingDayError(RuntimeError):
    pass


@dataclass
class WorkingDaySummary:
    """What the queues of the demo's areas hold afterwards, and what was done to get there."""

    cases: dict[str, int] = field(default_factory=dict)
    contacts: dict[str, int] = field(default_factory=dict)
    overdue_cases: int = 0
    doorstep_cases: int = 0
    overdue_contacts: int = 0
    attempts: int = 0
    contacts_named: int = 0
    claims: int = 0
    not_simulated: int = 0
    support_requests: int = 0
    support: str = ""
    visits: int = 0
    clusters: int = 0
    answered_online: int = 0

    def line(self) -> str:
        def counts(by_status: dict[str, int]) -> str:
            return ", ".join(
                f"{by_status.get(s, 0)} {Status(s).label.lower()}" for s in Status.values if s in by_status
            )

        return (
            f"Working day played: cases {counts(self.cases)} ({self.overdue_cases} overdue, "
            f"{self.doorstep_cases} at the doorstep step); contacts {counts(self.contacts)} "
            f"({self.overdue_contacts} overdue); {self.attempts} attempts, {self.contacts_named} contacts named, "
            f"{self.claims} claimed with get next; {self.answered_online} cases answered their self-service link; "
            f"{self.visits} visits to settings recorded, "
            f"{self.clusters} clusters found. {self.support_requests} support requests asked. {self.support}"
        ).strip()


@dataclass(frozen=True)
class Response:
    """One row of responses.csv: how a simulated case or contact responds to tracing."""

    person_id: int
    answers_call_attempt: int  # 0: never answers
    has_phone: bool
    answers_door: bool
    shares_contacts: bool
    contact_kind: str
    last_contact_date: dt.date | None
    recalled_contacts: tuple[int, ...]
    recalled_settings: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, str]) -> Response:
        return cls(
            person_id=int(row["person_id"]),
            answers_call_attempt=int(row["answers_call_attempt"] or 0),
            has_phone=row["has_phone"] == "yes",
            answers_door=row["answers_door"] == "yes",
            shares_contacts=row["shares_contacts"] == "yes",
            contact_kind=row["contact_kind"],
            last_contact_date=dt.date.fromisoformat(row["last_contact_date"]) if row["last_contact_date"] else None,
            recalled_contacts=tuple(int(p) for p in row["recalled_contacts"].split(";") if p),
            recalled_settings=tuple(code for code in row.get("recalled_settings", "").split(";") if code),
        )


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


class Truth:
    """The parts of the simulation's files the day needs, read once."""

    def __init__(self, simulation_dir: Path, result_rows: set[tuple[str, int]]) -> None:
        missing = [
            name
            for name in ("responses.csv", "people.csv", "truth/records.csv", "truth/infections.csv")
            if not (simulation_dir / name).is_file()
        ]
        if missing:
            raise WorkingDayError(f"{simulation_dir} is not a simulation folder: no {', '.join(missing)}.")
        self.person_of_row = {
            (row["file"], int(row["row"])): int(row["person_id"])
            for row in _rows(simulation_dir / "truth" / "records.csv")
            if (row["file"], int(row["row"])) in result_rows
        }
        self.cases: dict[int, Response] = {}
        self.contacts: dict[tuple[int, int], Response] = {}
        for row in _rows(simulation_dir / "responses.csv"):
            if row["role"] == "case":
                self.cases[int(row["person_id"])] = Response.from_row(row)
            else:
                self.contacts[(int(row["index_person_id"]), int(row["person_id"]))] = Response.from_row(row)
        self.onset = {
            int(row["person_id"]): dt.date.fromisoformat(row["onset_date"])
            for row in _rows(simulation_dir / "truth" / "infections.csv")
            if row["onset_date"]
        }
        wanted = {p for person in self.person_of_row.values() if person in self.cases for p in self._recalled(person)}
        self.people = {
            int(row["person_id"]): row
            for row in _rows(simulation_dir / "people.csv")
            if int(row["person_id"]) in wanted
        }
        opened = set(self.person_of_row.values())
        self.places = SimulatedPlaces(simulation_dir, {p: r for p, r in self.cases.items() if p in opened})

    def _recalled(self, person: int) -> tuple[int, ...]:
        return self.cases[person].recalled_contacts


# Simulated setting kinds as the register names them.
SETTING_KINDS = {"place_of_worship": "worship"}
# Days a case names for one setting, at most (the day they caught it there first, then the latest).
DAYS_PER_SETTING = 5


class SimulatedPlaces:
    """The settings cases recall, and the days the truth puts them there.

    A case names the settings `responses.csv` says they recall; for each, the days they were there
    are those the generator logged: a contact at that setting (`truth/contacts.csv`, as either
    person) and the day they were infected there (`truth/infections.csv`). A recalled setting with
    no logged day in the days asked about is not recorded: the generator does not log attendance
    without a contact, and a tracer needs a day.
    """

    def __init__(self, simulation_dir: Path, cases: dict[int, Response]) -> None:
        wanted = {code for response in cases.values() for code in response.recalled_settings}
        self.settings = {
            row["setting_id"]: row for row in _rows(simulation_dir / "settings.csv") if row["setting_id"] in wanted
        }
        self.days: dict[tuple[int, str], set[dt.date]] = {}
        self.infected_at: dict[int, tuple[str, dt.date]] = {}
        recalled = {(person, code) for person, response in cases.items() for code in response.recalled_settings}
        for row in _rows(simulation_dir / "truth" / "contacts.csv"):
            code = row["setting_id"]
            if not code or code not in wanted:
                continue
            for person in (int(row["person_a"]), int(row["person_b"])):
                if (person, code) in recalled:
                    self.days.setdefault((person, code), set()).add(dt.date.fromisoformat(row["date"]))
        for row in _rows(simulation_dir / "truth" / "infections.csv"):
            person, code = int(row["person_id"]), row["setting_id"]
            if code and (person, code) in recalled:
                day = dt.date.fromisoformat(row["infected_date"])
                self.infected_at[person] = (code, day)
                self.days.setdefault((person, code), set()).add(day)

    def told(
        self, person: int, response: Response, asked: Callable[[dt.date], bool]
    ) -> Iterator[tuple[dict[str, str], dt.date]]:
        """Each recalled setting and the days they name for it, among the days asked about."""
        for code in response.recalled_settings:
            setting = self.settings.get(code)
            days = sorted((d for d in self.days.get((person, code), ()) if asked(d)), reverse=True)
            if setting is None or not days:
                continue
            infected = self.infected_at.get(person)
            first = [infected[1]] if infected and infected[0] == code and infected[1] in days else []
            for day in (first + [d for d in days if d not in first])[:DAYS_PER_SETTING]:
                yield setting, day


class WorkingDay:
    def __init__(self, truth: Truth, *, seed: int, now: dt.datetime, tracers: dict[int, list[User]]) -> None:
        self.truth = truth
        self.seed = seed
        self.now = now
        self.tracers = tracers
        self.summary = WorkingDaySummary()
        self.sim_person: dict[int, int] = {}  # case pk -> simulated person id
        self.contact_responses: dict[int, Response] = {}  # contact pk -> their simulated response
        self.online: dict[int, list[Contact]] = {}  # case pk -> the contacts they named online

    def rng(self, *key: object) -> random.Random:
        return random.Random(":".join(str(k) for k in (self.seed, *key)))

    def by(self, at: dt.datetime, *, minutes: float) -> dt.datetime:
        """A few minutes later, or now if that is later than now: the call is still going on."""
        return min(at + dt.timedelta(minutes=minutes), self.now)

    @staticmethod
    def working(at: dt.datetime, rng: random.Random) -> dt.datetime:
        """The same moment, or the start of the next working hours (with a little queueing) if outside them."""
        local = timezone.localtime(at)
        start, end = WORKING_HOURS
        if local.hour < start:
            opens = local.replace(hour=start, minute=0, second=0, microsecond=0)
        elif local.hour >= end:
            opens = (local + dt.timedelta(days=1)).replace(hour=start, minute=0, second=0, microsecond=0)
        else:
            return at
        return opens + dt.timedelta(minutes=rng.uniform(0, 90))

    @staticmethod
    def after_working_hours(at: dt.datetime, hours: float) -> dt.datetime:
        """`hours` of working time after `at`: a queue that only moves while the team is at work."""
        start, end = WORKING_HOURS
        left = dt.timedelta(hours=hours)
        local = timezone.localtime(at)
        while True:
            opens = local.replace(hour=start, minute=0, second=0, microsecond=0)
            closes = local.replace(hour=end, minute=0, second=0, microsecond=0)
            if local < opens:
                local = opens
            if local >= closes:
                local = opens + dt.timedelta(days=1)
                continue
            if local + left <= closes:
                return local + left
            left -= closes - local
            local = opens + dt.timedelta(days=1)

    # --- reaching someone --------------------------------------------------------------------

    def reach(self, item: WorkItem, response: Response, start: dt.datetime, actor: User) -> dt.datetime | None:
        """Play the ladder for one item from `start` up to now; when they were reached, or None."""
        rng = self.rng(type(item).__name__, self.sim_person.get(getattr(item, "case_id", 0)), response.person_id)
        calls = 0
        t = start
        phone = item.person.phone  # type: ignore[attr-defined]
        for _ in range(3 * len(ladder.ladder())):
            if not item.is_open or item.reached_at is not None:
                return item.reached_at
            step = ladder.step(item.ladder_step)
            due = max(item.next_step_at or t, t)
            if step.automatic:
                if due > self.now:
                    return None
                advance_due(at=due)
                item.refresh_from_db()
                if step.kind == ladder.LINK and isinstance(item, Case):
                    self.answer_online(item, response, due)
                    item.refresh_from_db()
                continue
            if step.kind == ladder.CALL:
                if calls == 0:
                    first = FIRST_CALL_CASE if isinstance(item, Case) else FIRST_CALL_CONTACT
                    at = self.after_working_hours(due, rng.uniform(*first))
                else:
                    at = self.working(due + dt.timedelta(hours=rng.uniform(0, 1.5)), rng)
                if at > self.now:
                    return None
                calls += 1
                if not phone:
                    outcome, note = Attempt.Outcome.NO_ANSWER, "No phone number on record"
                elif response.has_phone and response.answers_call_attempt == calls:
                    outcome, note = Attempt.Outcome.ANSWERED, ""
                else:
                    outcome, note = rng.choice([Attempt.Outcome.NO_ANSWER, Attempt.Outcome.VOICEMAIL]), ""
                self.attempt(item, Attempt.Channel.PHONE, outcome, note, actor, at)
            else:  # a doorstep visit, fitted into the local team's rounds
                at = self.after_working_hours(due, rng.uniform(*DOORSTEP_VISIT))
                if at > self.now:
                    return None
                outcome = Attempt.Outcome.SPOKE_AT_DOOR if response.answers_door else Attempt.Outcome.NOBODY_HOME
                self.attempt(item, Attempt.Channel.DOORSTEP, outcome, "", actor, at)
            t = at
        return None

    def attempt(self, item: WorkItem, channel: str, outcome: str, note: str, actor: User, at: dt.datetime) -> None:
        record_attempt(item, channel=channel, outcome=outcome, note_text=note, actor=actor, at=at)
        self.summary.attempts += 1

    # --- answering the self-service link ------------------------------------------------------

    def answer_online(self, case: Case, response: Response, sent: dt.datetime) -> None:
        """Some people answer the link the ladder sent, through the portal's own saving of their answers."""
        rng = self.rng("online", response.person_id)
        if not response.shares_contacts or rng.random() >= ANSWERS_ONLINE:
            return
        at = sent + dt.timedelta(hours=rng.uniform(*ONLINE_AFTER))
        link = case.portal_links.filter(submitted_at__isnull=True).order_by("-pk").first()
        if at > self.now or link is None:  # not yet, or nothing was sent (no phone or email on record)
            return
        answers, told_by_name = self.online_answers(case, response, at)
        submitted = submit_case_answers(link, case, answers, at=at)
        for contact in submitted.contacts:
            told = told_by_name.get((contact.person.given_name, contact.person.family_name))
            if told is not None:
                self.contact_responses[contact.pk] = told
        self.online[case.pk] = submitted.contacts
        self.summary.answered_online += 1
        self.summary.attempts += 1  # their answers are an attempt on the web, which reached them
        self.summary.contacts_named += len(submitted.contacts)
        self.summary.visits += len(answers["places"])
        self.summary.support_requests += len(answers["support"]["needs"])

    def online_answers(
        self, case: Case, response: Response, at: dt.datetime
    ) -> tuple[dict[str, Any], dict[tuple[str, str], Response]]:
        """The answers the portal would keep in the session, from the truth, as the person would give them."""
        day = timezone.localdate(at)
        onset = self.truth.onset.get(self.sim_person[case.pk])
        symptomatic = onset is not None and onset <= day and onset >= case.specimen_date - dt.timedelta(days=21)
        anchor = onset if symptomatic and onset else case.specimen_date
        window, backward = policy.infectious_period(anchor), policy.backward_window(anchor)
        household: list[dict[str, str]] = []
        close: list[dict[str, str]] = []
        told_by_name: dict[tuple[str, str], Response] = {}
        for told, person, last in self.recalled(response, day, window.first):
            named = {"given_name": person["given_name"], "family_name": person["family_name"],
                     "phone": normalise_phone(person["phone"]) if person["phone"] else ""}  # fmt: skip
            if told.contact_kind == "household":
                household.append(named)
            else:
                kind = "close" if told.contact_kind == "close" else "proximity"
                close.append({**named, "kind": kind, "last_met": last.isoformat()})
            told_by_name[(person["given_name"], person["family_name"])] = told
        places = [
            {"name": setting["name"], "kind": SETTING_KINDS.get(setting["kind"], setting["kind"]),
             "postcode": setting["postcode"], "visited_on": visited.isoformat()}
            for setting, visited in self.truth.places.told(
                response.person_id, response, lambda visited: backward.first <= visited <= min(day, window.last)
            )
        ]  # fmt: skip
        needs, urgent, consent = needs_of(case, seed=self.seed)
        answers = {
            "link": 0, "symptomatic": "yes" if symptomatic else "no",
            "onset": onset.isoformat() if symptomatic and onset else None,
            "household": household, "contacts": close, "places": places,
            "support": {"needs": needs, "urgent": "yes" if urgent else "no", "consent": "on" if consent else ""},
        }  # fmt: skip
        return answers, told_by_name

    def check_online_answers(self, case: Case, answered: dt.datetime, actor: User) -> list[Contact]:
        """A tracer rings to check what the case sent online, then completes the case; its contacts follow."""
        rng = self.rng("online-check", self.sim_person[case.pk])
        call = self.after_working_hours(answered, rng.uniform(0.5, 4.0))
        if call <= self.now:
            case.refresh_from_db()
            if case.identity_confirmed_at is None:
                confirm_identity(None, case, actor=actor, at=call)
            finished = call + dt.timedelta(minutes=rng.uniform(5, 15))
            if finished <= self.now and (rng.random() < CASES_COMPLETED or answered < self.now - FOLLOW_UP):
                case.refresh_from_db()
                if case.is_open:
                    named = len(self.online[case.pk])
                    complete(case, actor=actor, at=finished,
                             summary=f"Answers given online checked by phone; {named} contacts named online")  # fmt: skip
        return self.online[case.pk]

    # --- the interview -----------------------------------------------------------------------

    def interview(self, case: Case, response: Response, reached: dt.datetime, actor: User) -> list[Contact]:
        """Identity, symptoms and contacts, as told on the call that reached them; maybe completed."""
        rng = self.rng("interview", response.person_id)
        person = self.sim_person[case.pk]
        confirm_identity(None, case, actor=actor, at=self.by(reached, minutes=2))
        onset = self.truth.onset.get(person)
        day = timezone.localdate(reached)
        symptomatic = (
            onset is not None
            and onset <= day
            and onset >= case.specimen_date - dt.timedelta(days=21)  # what the form accepts
        )
        record_symptoms(
            case,
            symptomatic=symptomatic,
            onset_date=onset if symptomatic else None,
            actor=actor,
            at=self.by(reached, minutes=6),
        )
        case.refresh_from_db()
        contacts = self.name_contacts(case, response, self.by(reached, minutes=10), actor)
        self.summary.support_requests += len(
            ask_about_support(case, at=self.by(reached, minutes=12), actor=actor, seed=self.seed)
        )
        if response.shares_contacts:
            self.name_places(case, response, self.by(reached, minutes=20), actor)
            # They told the tracer everyone they remember: a part with nobody in it is done, with nobody.
            kinds = set(case.contacts.values_list("kind", flat=True))
            empty = [part for part, named in (("household", Contact.Kind.HOUSEHOLD in kinds),
                                              ("close", bool(kinds - {Contact.Kind.HOUSEHOLD})),
                                              ("places", case.visits.exists())) if not named]  # fmt: skip
            for part in empty:
                nothing_more_to_add(case, part, actor=actor, at=self.by(reached, minutes=22))
        finished = reached + dt.timedelta(minutes=rng.uniform(25, 50))
        if (rng.random() < CASES_COMPLETED or reached < self.now - FOLLOW_UP) and finished <= self.now:
            complete(
                case,
                actor=actor,
                at=finished,
                summary=f"Interview completed and advice given; {len(contacts)} contacts named",
            )
        return contacts

    def recalled(
        self, response: Response, day: dt.date, first: dt.date
    ) -> Iterator[tuple[Response, dict[str, str], dt.date]]:
        """The contacts a case recalls and the truth knows, with the last day they met, from `first` on."""
        for contact_id in response.recalled_contacts:
            told = self.truth.contacts.get((response.person_id, contact_id))
            person = self.truth.people.get(contact_id)
            if told is None or person is None or told.last_contact_date is None:
                continue
            last = min(told.last_contact_date, day)
            if last >= first:
                yield told, person, last

    def name_contacts(self, case: Case, response: Response, at: dt.datetime, actor: User) -> list[Contact]:
        if not response.shares_contacts:
            return []
        window = policy.infectious_period(case.anchor_date)
        day = timezone.localdate(at)
        named: list[Contact] = []
        for i, (told, person, last) in enumerate(self.recalled(response, day, window.first)):
            try:
                contact = name_contact(
                    case,
                    NamedContact(
                        given_name=person["given_name"],
                        family_name=person["family_name"],
                        kind=CONTACT_KINDS.get(told.contact_kind, Contact.Kind.CLOSE),
                        last_exposure=last,
                        date_of_birth=dt.date.fromisoformat(person["date_of_birth"]),
                        phone=normalise_phone(person["phone"]) if person["phone"] else "",
                        email=person["email"],
                        postcode=person["postcode"],
                        address_line_1=person["address_line_1"],
                    ),
                    actor=actor,
                    at=self.by(at, minutes=i),
                )
            except InvestigationError:
                continue
            named.append(contact)
            self.contact_responses[contact.pk] = told
            self.summary.contacts_named += 1
        return named

    def name_places(self, case: Case, response: Response, at: dt.datetime, actor: User) -> None:
        """Where they went, in the backward window and the infectious period so far (see SimulatedPlaces)."""
        day = timezone.localdate(at)

        def asked(visited: dt.date) -> bool:
            return visited <= day and direction_for(case, visited) is not None

        for setting, visited in self.truth.places.told(response.person_id, response, asked):
            try:
                record_visit(
                    case, name=setting["name"], kind=SETTING_KINDS.get(setting["kind"], setting["kind"]),
                    visited_on=visited, postcode=setting["postcode"], address_line_1=setting["address_line_1"],
                    actor=actor, at=at,
                )  # fmt: skip
            except InvestigationError:
                continue
            self.summary.visits += 1

    def tell_to_isolate(self, contact: Contact, reached: dt.datetime, actor: User) -> None:
        """Reached: the whole household named by the same case hears it on the same call."""
        rng = self.rng("isolate", self.sim_person.get(contact.case_id), self.contact_responses[contact.pk].person_id)
        done = self.by(reached, minutes=rng.uniform(5, 15))
        for member in household_of(contact):
            member.refresh_from_db()
            if not member.is_open or member.area_id not in self.tracers:
                continue
            if member.reached_at is None:
                note = "" if member.pk == contact.pk else "Spoke with the household together"
                self.attempt(member, Attempt.Channel.PHONE, Attempt.Outcome.ANSWERED, note, actor, reached)
                member.refresh_from_db()
                asked = ask_about_support(member, at=self.by(reached, minutes=3), actor=actor, seed=self.seed)
                self.summary.support_requests += len(asked)
            if (rng.random() < CONTACTS_COMPLETED or reached < self.now - FOLLOW_UP) and done <= self.now:
                member.refresh_from_db()
                complete(
                    member,
                    actor=actor,
                    at=done,
                    summary=f"Told to isolate until the end of {member.isolation_ends_on:%A %-d %B}",
                )

    # --- the day ---------------------------------------------------------------------------

    def tracer(self, area_id: int, turn: int) -> User:
        staff = self.tracers[area_id]
        return staff[turn % len(staff)]

    def work_contacts(self, contacts: list[Contact], first_turn: int) -> None:
        """Reach each contact named in the past, from when they were named, up to now."""
        for turn, contact in enumerate(contacts, start=first_turn):
            contact.refresh_from_db()
            response = self.contact_responses.get(contact.pk)
            if response is None or not contact.is_open or contact.area_id not in self.tracers:
                continue
            actor = self.tracer(contact.area_id, turn)
            reached = self.reach(contact, response, contact.named_at, actor)
            if reached is not None:
                self.tell_to_isolate(contact, reached, actor)

    def history(self, cases: list[Case]) -> None:
        for turn, case in enumerate(cases):
            response = self.truth.cases[self.sim_person[case.pk]]
            actor = self.tracer(case.area_id, turn)
            reached = self.reach(case, response, case.first_result.received_at, actor)
            if reached is not None and case.pk in self.online:
                self.work_contacts(self.check_online_answers(case, reached, actor), turn)
            elif reached is not None:
                self.work_contacts(self.interview(case, response, reached, actor), turn)

    def morning(self, area_id: int, cases: list[Case]) -> None:
        """Tracers take this morning's cases with get next, in turn, until part of the batch is called."""
        ids = [c.pk for c in cases]
        named: list[Contact] = []
        for turn in range(math.ceil(len(ids) * MORNING_CASES_WORKED)):
            actor = self.tracer(area_id, turn)
            case = claim_next(scoped(actor, "case.view", Case.objects.filter(pk__in=ids)), actor)
            if case is None:
                break
            self.summary.claims += 1
            response = self.truth.cases[self.sim_person[case.pk]]
            if case.person.phone and response.has_phone and response.answers_call_attempt == 1:
                self.attempt(case, Attempt.Channel.PHONE, Attempt.Outcome.ANSWERED, "", actor, self.now)
                named += self.interview(case, response, self.now, actor)
            else:
                self.attempt(case, Attempt.Channel.PHONE, Attempt.Outcome.NO_ANSWER, "", actor, self.now)
            release(case)
        advance_due(at=self.now)  # the self-service link for those who did not answer
        ids = [c.pk for c in named if c.area_id in self.tracers]
        for turn in range(int(len(ids) * MORNING_CONTACTS_WORKED)):
            actor = self.tracer(area_id, turn)
            contact = claim_next(scoped(actor, "contact.view", Contact.objects.filter(pk__in=ids)), actor)
            if contact is None:
                break
            self.summary.claims += 1
            response = self.contact_responses[contact.pk]
            if contact.person.phone and response.has_phone and response.answers_call_attempt == 1:
                self.tell_to_isolate(contact, self.now, actor)
            else:
                self.attempt(contact, Attempt.Channel.PHONE, Attempt.Outcome.NO_ANSWER, "", actor, self.now)
            release(contact)
        advance_due(at=self.now)


def _demo_tracers() -> dict[int, list[User]]:
    """Each demo area's id and the tracers who work its queue, in turn."""
    tracers: dict[int, list[User]] = {}
    for usernames in TRACERS:
        team = Team.objects.filter(kind=Team.Kind.LOCAL, memberships__user__username=usernames[0]).first()
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        if team is None or len(users) != len(usernames):
            raise WorkingDayError("The demo staff are missing: run `localtrace load-demo` first.")
        tracers[team.area_id] = [users[name] for name in usernames]
    return tracers


def _summarise(summary: WorkingDaySummary, areas: list[int], now: dt.datetime) -> WorkingDaySummary:
    doorstep = [i for i, s in enumerate(ladder.ladder()) if s.kind == ladder.DOORSTEP]
    overdue = Q(status__in=OPEN_STATUSES, reached_at__isnull=True, reach_deadline__lt=now)
    for model, counts in ((Case, summary.cases), (Contact, summary.contacts)):
        items = model.objects.filter(area_id__in=areas)  # type: ignore[attr-defined]
        counts.update(Counter(items.values_list("status", flat=True)))
    cases = Case.objects.filter(area_id__in=areas)
    summary.overdue_cases = cases.filter(overdue).count()
    summary.doorstep_cases = cases.filter(
        status__in=OPEN_STATUSES, reached_at__isnull=True, ladder_step__in=doorstep
    ).count()
    summary.overdue_contacts = Contact.objects.filter(area_id__in=areas).filter(overdue).count()
    return summary


def play_working_day(simulation_dir: Path, *, seed: int = 2020, now: dt.datetime | None = None) -> WorkingDaySummary:
    """Play the simulation's responses to tracing for the open cases of the demo's areas (see the module)."""
    now = now or timezone.now()
    tracers = _demo_tracers()
    if Attempt.objects.filter(Q(case__area_id__in=tracers) | Q(contact__area_id__in=tracers)).exists():
        raise WorkingDayError("The demo's queues have already been worked: start from a fresh demo (make clean).")
    cases = list(
        Case.objects.filter(area_id__in=tracers, status__in=OPEN_STATUSES)
        .select_related("person", "first_result__submission")
        .order_by("first_result__received_at", "pk")
    )
    truth = Truth(
        Path(simulation_dir), {(c.first_result.submission.filename, c.first_result.row_number) for c in cases}
    )
    day = WorkingDay(truth, seed=seed, now=now, tracers=tracers)
    simulated = []
    for case in cases:
        person = truth.person_of_row.get((case.first_result.submission.filename, case.first_result.row_number))
        if person is None or person not in truth.cases:
            day.summary.not_simulated += 1
            continue
        day.sim_person[case.pk] = person
        simulated.append(case)
    arrived = [c for c in simulated if c.first_result.received_at <= now]  # later ones wait, untouched
    day.history([c for c in arrived if c.first_result.received_at < now - FRESH])
    for area_id in tracers:
        day.morning(area_id, [c for c in arrived if c.area_id == area_id and c.first_result.received_at >= now - FRESH])
    # Isolation support: the directory, then the support officers' day on the needs asked above.
    day.summary.support = play_support_day(list(tracers), now=now, seed=seed).line()
    # The scheduled cluster scan, run once now so the team leads' alerts reflect the day (issue 7).
    day.summary.clusters = scan(today=timezone.localdate(now)).found
    _subject_access_request(cases, now)
    return _summarise(day.summary, list(tracers), now)


def _subject_access_request(cases: list[Case], now: dt.datetime) -> None:
    """A case from the week before asks for a copy of their data: the DPO's first task in the demo."""
    officer = User.objects.filter(deployment_role=User.DeploymentRole.DATA_PROTECTION_OFFICER).first()
    asking = next((c.person for c in cases if c.person.date_of_birth and c.person.erased_at is None), None)
    if officer is None or asking is None:
        return
    start_request(
        {
            "received_on": timezone.localdate(now) - dt.timedelta(days=12),
            "given_name": asking.given_name, "family_name": asking.family_name,
            "date_of_birth": asking.date_of_birth, "postcode": asking.postcode,
            "nhs_number": "", "phone": "", "email": asking.email,
        },
        by=officer,
    )  # fmt: skip
