"""The demo's isolation support: needs asked on the demo's calls, and the support officer's day that follows.

Called by the demo's working day (localtrace.demo.working_day). Everything goes through the support actions,
with the time it happened, so queues, deadlines, timelines and figures agree. Randomness comes from the seed
and record ids, so a seed always gives the same day.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from localtrace.accounts.models import User
from localtrace.areas.models import Area, Membership, Role
from localtrace.cases.models import Case
from localtrace.contacts.models import Contact
from localtrace.support.models import OPEN_REQUEST_STATUSES, Organisation, SupportAttempt, SupportRequest
from localtrace.support.services import (
    SupportError,
    close_request,
    decide_claim,
    make_claim,
    record_attempt,
    record_needs,
    refer,
    save_organisation,
    unmet_rules,
)

# What people said they needed in 2020–21 councils' figures, roughly: food and money first.
NEED_WEIGHTS = {
    "food": 30, "money": 24, "medicines": 14, "wellbeing": 10, "caring": 7, "rules": 6, "pets": 4, "digital": 3,
    "other": 2,
}  # fmt: skip
CASES_NEEDING_HELP = 0.3
CONTACTS_NEEDING_HELP = 0.12
URGENT = 0.25
CONSENT = 0.85
# The directory an area lead starts with: name (with the area's name) and what each helps with.
DIRECTORY = (
    ("{area} Food Bank", ["food"], "Parcels delivered the next day; refer before 2pm."),
    ("{area} Good Neighbours", ["food", "medicines", "wellbeing", "pets"], "Volunteers shop, collect prescriptions and walk dogs."),
    ("Citizens Advice {area}", ["money", "rules"], "Benefits, employment rights and debt."),
    ("{area} Mind", ["wellbeing"], "Daily check-in calls for people isolating alone."),
    ("{area} Carers' Centre", ["caring"], "Emergency cover for unpaid carers."),
    ("{area} Libraries Digital Help", ["digital"], "Lends tablets and talks people through getting online."),
)  # fmt: skip


def _rng(seed: int, *key: object) -> random.Random:
    return random.Random(f"support|{seed}|" + "|".join(map(str, key)))


def _who(person_id: int) -> tuple[object, ...]:
    """A person as the demo knows them, not by database id: PostgreSQL's sequences are not rolled back,
    so ids differ between two plays of the same seed while names and birth dates do not."""
    from localtrace.people.models import Person

    return tuple(Person.objects.values_list("given_name", "family_name", "date_of_birth").get(pk=person_id))


def needs_of(item: Case | Contact, *, seed: int) -> tuple[list[str], bool, bool]:
    """What a demo person needs to isolate (most nothing; some one or two things), urgency and consent:
    the same whether they tell a tracer or answer online."""
    rng = _rng(seed, type(item).__name__, *_who(item.person_id))
    share = CASES_NEEDING_HELP if isinstance(item, Case) else CONTACTS_NEEDING_HELP
    if rng.random() >= share:
        return [], False, False
    needs = list(
        dict.fromkeys(rng.choices(list(NEED_WEIGHTS), weights=list(NEED_WEIGHTS.values()), k=rng.choice((1, 1, 2))))
    )
    return needs, rng.random() < URGENT, rng.random() < CONSENT


def ask_about_support(item: Case | Contact, *, at: dt.datetime, actor: User, seed: int) -> list[SupportRequest]:
    """The support question on a demo call."""
    needs, urgent, consent = needs_of(item, seed=seed)
    if not needs and not isinstance(item, Case):
        return []
    return record_needs(item, needs, urgent=urgent, consent=consent, actor=actor, at=at)


@dataclass
class SupportDay:
    organisations: int = 0
    attempts: int = 0
    referrals: int = 0
    closed: int = 0
    claims: int = 0
    decided: int = 0

    def line(self) -> str:
        return (
            f"Support: {self.organisations} local organisations, {self.attempts} contacts, {self.referrals} referrals, "
            f"{self.closed} requests closed, {self.claims} payment claims ({self.decided} decided)."
        )


def _area_lead(area: Area) -> User | None:
    membership = Membership.objects.filter(team__area=area, role=Role.AREA_LEAD).select_related("user").first()
    return membership.user if membership else None


def _officers(area: Area) -> list[User]:
    return [
        m.user for m in Membership.objects.filter(team__area=area, role=Role.SUPPORT_OFFICER).select_related("user")
    ]


def play_support_day(area_ids: list[int], *, now: dt.datetime, seed: int) -> SupportDay:
    """Each area's directory, then its support officers work the requests asked before this morning."""
    day = SupportDay()
    for area in Area.objects.filter(pk__in=area_ids).order_by("pk"):
        lead = _area_lead(area)  # keeps the directory
        for name, services, notes in DIRECTORY:
            name = name.format(area=area.name)
            if not Organisation.objects.filter(area=area, name=name).exists():
                save_organisation(area, name=name, services=services, phone="01632 960" + f"{day.organisations:03d}",
                                  notes=notes, actor=lead)  # fmt: skip
                day.organisations += 1
        officers = _officers(area)
        if not officers:
            continue  # nobody to work them: the area's requests wait in its queue
        asked = (
            SupportRequest.objects.filter(
                area=area, status__in=OPEN_REQUEST_STATUSES, requested_at__lt=now - dt.timedelta(hours=2)
            )
            .select_related("person", "case", "contact")
            .order_by("requested_at", "pk")
        )
        people: dict[int, list[SupportRequest]] = {}
        for request in asked:
            people.setdefault(request.person_id, []).append(request)
        for turn, requests in enumerate(people.values()):
            _work(requests, officers[turn % len(officers)], now, seed, day, decider=lead)
    return day


def _working(at: dt.datetime, rng: random.Random) -> dt.datetime:
    """The same moment, or early in the next working hours (09:00–18:00) if outside them."""
    local = timezone.localtime(at)
    if 9 <= local.hour < 18:
        return at
    start = local.replace(hour=9, minute=0, second=0, microsecond=0)
    if local.hour >= 18:
        start += dt.timedelta(days=1)
    return start + dt.timedelta(minutes=rng.uniform(0, 90))


def _work(requests: list[SupportRequest], officer: User, now: dt.datetime, seed: int, day: SupportDay, *,
          decider: User | None) -> None:  # fmt: skip
    """One person's needs, worked together: a call about all of them, then referrals, claims and outcomes."""
    rng = _rng(seed, "person", *_who(requests[0].person_id))
    asked = min(r.requested_at for r in requests)
    urgent = any(r.urgent for r in requests)
    if now - asked < dt.timedelta(days=2) and rng.random() < 0.4:
        return  # not reached yet: a live queue always has some waiting, a few overdue
    first_call = _working(asked + dt.timedelta(hours=rng.uniform(0.5, 3.5 if urgent else 30)), rng)
    if first_call > now:
        return
    answered = rng.random() < 0.8
    outcome = SupportAttempt.Outcome.SPOKE if answered else SupportAttempt.Outcome.NO_ANSWER
    for request in requests:
        record_attempt(request, channel=SupportAttempt.Channel.PHONE, outcome=outcome, actor=officer, at=first_call)
        day.attempts += 1
    later = _working(first_call + dt.timedelta(hours=rng.uniform(20, 50)), rng)
    old = now - asked > dt.timedelta(days=4)  # older needs have all been followed up by now
    if not answered:
        if later <= now and (old or rng.random() < 0.5):
            for request in requests:
                record_attempt(request, channel=SupportAttempt.Channel.PHONE,
                               outcome=SupportAttempt.Outcome.NO_ANSWER, actor=officer, at=later)  # fmt: skip
                close_request(request, outcome="unable", note_text="Two calls, no answer; text sent with our number.",
                              actor=officer, at=later + dt.timedelta(minutes=5))  # fmt: skip
                day.attempts, day.closed = day.attempts + 1, day.closed + 1
        return
    for request in requests:
        if request.need == "money":
            _claim(request, officer, first_call, now, rng, day, decider=decider)
        elif request.consent:
            organisation = next(
                (o for o in Organisation.objects.filter(area_id=request.area_id, active=True) if request.need in o.services),
                None,
            )  # fmt: skip
            if organisation is not None:
                refer(request, organisation, note_text="Referred on the first call.", actor=officer,
                      at=first_call + dt.timedelta(minutes=10))  # fmt: skip
                day.referrals += 1
        if later <= now and (old or rng.random() < 0.5):
            closing = "resolved" if rng.random() < 0.85 else "declined"
            close_request(request, outcome=closing, note_text="Followed up by phone.", actor=officer, at=later)
            day.closed += 1


def _claim(request: SupportRequest, officer: User, at: dt.datetime, now: dt.datetime,
           rng: random.Random, day: SupportDay, *, decider: User | None) -> None:  # fmt: skip
    """The officer takes the claim's answers; the area lead decides it, as someone else must."""
    item = request.case or request.contact
    low_income, cannot_work_from_home = rng.random() < 0.75, rng.random() < 0.85
    # The evidence an officer notes agrees with the answers it backs.
    seen = [rng.choice(["Universal Credit statement seen.", "Payslips for the last two months seen."])] * low_income
    seen += ["Employer's letter: cannot work from home."] * (cannot_work_from_home and rng.random() < 0.5)
    try:
        claim = make_claim(
            item,  # type: ignore[arg-type]
            told_to_isolate=True,
            low_income=low_income,
            cannot_work_from_home=cannot_work_from_home,
            evidence_notes=" ".join(seen),
            actor=officer,
            at=at + dt.timedelta(minutes=15),
        )  # fmt: skip
    except SupportError:
        return
    day.claims += 1
    decided_at = _working(at + dt.timedelta(hours=rng.uniform(3, 30)), rng)
    if decider is None or decided_at > now or (now - at < dt.timedelta(days=4) and rng.random() < 0.6):
        return  # waiting for a decision: most of this week's claims, and all where nobody else may decide
    if unmet_rules(claim):
        decide_claim(claim, approve=False, reason="Does not meet the rules: " + " ".join(unmet_rules(claim)),
                     actor=decider, at=decided_at)  # fmt: skip
    else:
        decide_claim(claim, approve=True, reason="Eligible: evidence seen.", payment_reference=f"TTSP-{claim.pk:05d}",
                     actor=decider, at=decided_at)  # fmt: skip
    day.decided += 1
