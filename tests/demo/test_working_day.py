"""The demo's working day: the simulation's responses played through the tracers' own actions."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from localtrace.areas.services import load_postcode_directory_file
from localtrace.audit.models import AuditEvent
from localtrace.cases.models import Attempt, Case, Status, TraceEvent
from localtrace.contacts.models import Contact
from localtrace.demo.services import create_demo_staff
from localtrace.demo.working_day import WorkingDaySummary, play_working_day
from localtrace.results.services import import_file
from localtrace.simulate import generate_to
from localtrace.simulate.config import TestingParameters as LabTesting
from tests.support.demo_checks import check_a_support_queue_at_every_stage

START = dt.date(2020, 10, 1)
DAYS = 21
LAST_DAY = START + dt.timedelta(days=DAYS - 1)
# The working day is the afternoon of the last simulated day: a fixed moment, so the test never depends on
# when it runs. Every result arrived on its result date; the last day's after 16:00 have not arrived yet.
NOW = timezone.make_aware(dt.datetime.combine(LAST_DAY, dt.time(16)))


@pytest.fixture(scope="module")
def simulation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("simulation")
    generate_to(
        out, people=5000, days=DAYS, seed=1, start_date=START, fhir=False, seed_infections=40, imports_per_day=2,
        testing=LabTesting(background_rate=0.002),
    )  # fmt: skip
    return out


def load(simulation: Path) -> None:
    """What `make demo` does before the day: postcodes, staff, then intake."""
    load_postcode_directory_file(simulation / "postcodes.csv", names_path=simulation / "area_names.csv")
    create_demo_staff()
    import_file(simulation / "results.csv", arrived_on_result_date_before=LAST_DAY + dt.timedelta(days=1))


def play(simulation: Path) -> WorkingDaySummary:
    load(simulation)
    return play_working_day(simulation, seed=7, now=NOW)


def test_a_working_day_in_progress(db: None, simulation: Path) -> None:
    fresh = transaction.savepoint()
    played = play(simulation)
    check_every_stage(played)
    check_arrivals()
    check_every_change_went_through_the_actions(played)
    check_contacts_are_the_people_the_cases_met(played, simulation)
    check_self_service_links_wait_in_the_outbox()
    check_contacts_who_are_cases_left_the_queue()
    check_named_links_make_no_loop()
    check_a_support_queue_at_every_stage(played)

    # The same seed on a fresh database plays the same day, and the command says so.
    transaction.savepoint_rollback(fresh)
    assert not Case.objects.exists()
    load(simulation)
    out = io.StringIO()
    call_command("play_working_day", str(simulation), "--force", "--seed", "7", "--now", NOW.isoformat(), stdout=out)
    assert out.getvalue().strip() == played.line()


def check_self_service_links_wait_in_the_outbox() -> None:
    """Issue 6: the ladder's link step sent links a demo user can follow from the outbox."""
    from localtrace.messaging.models import Message
    from localtrace.portal.models import PortalLink

    links = Message.objects.filter(purpose="self_service_link")
    assert links.exists(), "the working day sent no self-service links"
    assert all("/p/" in m.body for m in links[:20])
    live = PortalLink.objects.filter(revoked_at__isnull=True, expires_at__gt=NOW)
    assert live.exists(), "no self-service link in the demo still works"
    assert all(link.person.date_of_birth for link in live.select_related("person")[:20])


def test_the_command_is_for_demo_mode(db: None, simulation: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO = False
    with pytest.raises(CommandError, match="LOCALTRACE_DEMO"):
        call_command("play_working_day", str(simulation))
    with pytest.raises(CommandError, match="load-demo"):
        call_command("play_working_day", str(simulation), "--force")


def check_every_stage(played: WorkingDaySummary) -> None:
    for status in (Status.NEW, Status.IN_PROGRESS, Status.REACHED, Status.COMPLETED, Status.UNREACHABLE):
        assert played.cases.get(status, 0) > 0, (status, played.line())
    for status in (Status.NEW, Status.IN_PROGRESS, Status.COMPLETED, Status.UNREACHABLE):
        assert played.contacts.get(status, 0) > 0, (status, played.line())
    assert played.overdue_cases > 0 and played.doorstep_cases > 0, played.line()
    assert played.claims > 0
    assert Attempt.objects.filter(channel="doorstep").exists()
    assert Attempt.objects.filter(note="Spoke with the household together").exists()
    assert Case.objects.filter(events__kind="ladder").exists()
    # Places: interviewed cases name the settings they recall, on days the simulation put them there.
    from localtrace.places.models import ClusterScan, Visit

    assert played.visits == Visit.objects.count() > 0
    assert set(Visit.objects.values_list("direction", flat=True)) == {"backward", "forward"}
    assert ClusterScan.objects.filter(finished_at__isnull=False, found=played.clusters).exists()


def check_arrivals() -> None:
    """Results arrived on their result date, and the reach deadline counts from then."""
    for case in Case.objects.select_related("first_result"):
        assert timezone.localtime(case.first_result.received_at).date() == case.result_date
        assert case.reach_deadline == case.first_result.received_at + dt.timedelta(hours=24)


def check_every_change_went_through_the_actions(played: WorkingDaySummary) -> None:
    # One timeline event per attempt, and one audit event per timeline event.
    # The ladder's self-service links are attempts too (issue 6), sent by the service, not a tracer.
    links_sent = Attempt.objects.filter(outcome=Attempt.Outcome.SENT, made_by__isnull=True).count()
    assert TraceEvent.objects.filter(kind="attempt").count() == Attempt.objects.count() == played.attempts + links_sent
    for model, label in ((Case, "cases.case"), (Contact, "contacts.contact")):
        events = TraceEvent.objects.filter(**{f"{model.__name__.lower()}__isnull": False}).count()
        assert AuditEvent.objects.filter(action="change", object_type=label).count() == events
        # Contacts who became cases may have been closed before anyone tried to reach them.
        for item in model.objects.exclude(status__in=[Status.NEW, Status.BECAME_CASE]):  # type: ignore[attr-defined]
            kinds = set(item.events.values_list("kind", flat=True))
            assert "attempt" in kinds, item
    tracers = {"tracer.a", "lead.a", "surge.tracer", "tracer.b"}
    for case in Case.objects.filter(status=Status.COMPLETED):
        assert {"identity_confirmed", "symptoms", "completed"} <= set(case.events.values_list("kind", flat=True))
        assert case.events.get(kind="completed").actor.username in tracers
    # Timelines carry the time things happened, never after the working day.
    late = TraceEvent.objects.exclude(kind="claimed").filter(occurred_at__gt=NOW)
    assert not late.exists(), [(e.kind, e.summary, e.occurred_at) for e in late[:5]]


def check_contacts_are_the_people_the_cases_met(played: WorkingDaySummary, simulation: Path) -> None:
    with (simulation / "people.csv").open(encoding="utf-8", newline="") as handle:
        people = {(r["given_name"], r["family_name"], r["date_of_birth"]) for r in csv.DictReader(handle)}
    contacts = list(Contact.objects.select_related("person"))
    assert len(contacts) == played.contacts_named > 20
    names = {(given, family) for given, family, _ in people}
    for contact in contacts:
        person = contact.person
        if contact.named_online:  # the portal asks for names and a phone, not a date of birth
            assert (person.given_name, person.family_name) in names
        else:
            assert (person.given_name, person.family_name, str(person.date_of_birth)) in people
    # Some cases answered their self-service link, through the portal's own saving of answers.
    assert played.answered_online > 0
    assert Contact.objects.filter(named_online=True).exists()
    assert Contact.objects.filter(kind=Contact.Kind.HOUSEHOLD).exists()


def check_contacts_who_are_cases_left_the_queue() -> None:
    """Contacts whose person is a case (tested before or after being named) are closed, and say which case."""
    from localtrace.cases.services import case_now

    became = 0
    for contact in Contact.objects.all():
        case = case_now(contact)
        if case is None:
            assert contact.status != Status.BECAME_CASE, contact
            continue
        assert not contact.is_open, (contact, case)
        summary = contact.events.get(kind="became_case").summary
        assert summary.startswith(f"Tested positive: now case {case.reference}"), summary
        became += contact.status == Status.BECAME_CASE
    assert became > 0, "no contact of the working day became a case"


def check_named_links_make_no_loop() -> None:
    source = dict(Case.objects.filter(source_contact__isnull=False).values_list("pk", "source_contact__case_id"))
    assert source, "the working day made no named links"
    for start in source:
        seen, current = set(), start
        while current in source:
            assert current not in seen, f"C{start}'s named sources make a loop"
            seen.add(current)
            current = source[current]
