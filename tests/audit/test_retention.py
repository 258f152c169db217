"""Retention: details older than the retention period are erased once a day; the figures stay the same."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from localtrace.audit.models import AuditEvent, RetentionRun
from localtrace.audit.retention import ERASED_TIMELINE_TEXT, erase_expired, erase_if_due
from localtrace.audit.tasks import erase_expired_data
from localtrace.cases.events import note
from localtrace.cases.models import Case, Status, TraceEvent
from localtrace.messaging.models import BadAddress, Message
from localtrace.people.models import DuplicateReview, Person
from localtrace.reports.models import WeeklyFigures
from localtrace.reports.rollup import refresh
from localtrace.results.models import QuarantinedRow, Submission, TestResult

pytestmark = pytest.mark.django_db


# Three years on, everything the personas' world holds is older than the default two years.
def later() -> dt.date:
    """Read when a test runs, not when the module is imported: a run may cross midnight."""
    return timezone.localdate() + dt.timedelta(days=3 * 365)


def close(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(
        status=Status.COMPLETED, closed_at=timezone.now(), outcome_note="Spoke to Gwen"
    )


def test_a_person_with_nothing_recent_or_open_loses_every_identifying_detail(world) -> None:
    case = world.case_a
    close(case)
    note(case, "note", "Gwen's partner answered the phone")
    Message.objects.create(channel="sms", recipient="+447911123456", body="Hello Gwen", person=case.person, case=case)
    twin = Person.objects.create(given_name="Gwyneth", family_name="Morgan-Davies", postcode="FX1 1AB")
    review = DuplicateReview.objects.create(first=case.person, second=twin, match_probability=0.9, match_weight=3.2)

    erased = erase_expired(today=later())

    person = Person.objects.get(pk=case.person_id)
    assert person.erased_at is not None and person.full_name.startswith("Details erased on")
    for name in ("nhs_number", "given_name", "family_name", "address_line_1", "postcode", "phone", "email"):
        assert getattr(person, name) == "", name
    assert person.date_of_birth is None and person.match_key == "" and person.block_family_dob == ""
    assert TestResult.objects.get(person=person).postcode == ""
    kept = Case.objects.get(pk=case.pk)
    assert kept.outcome_note == "" and (kept.area_id, kept.result_date, kept.status) == (
        case.area_id,
        case.result_date,
        Status.COMPLETED,
    )
    assert set(TraceEvent.objects.filter(case=case).values_list("summary", flat=True)) == {ERASED_TIMELINE_TEXT}
    assert not Message.objects.filter(person=person).exclude(recipient="", body="").exists()
    # The partner, a contact still open, keeps every detail; so would anyone with a recent result.
    partner = Person.objects.get(pk=world.contact_a.person_id)
    assert partner.erased_at is None and partner.given_name == "Rhys"
    assert DuplicateReview.objects.get(pk=review.pk).status == DuplicateReview.Status.KEPT_APART
    assert erased.people == 2 and erased.cases == 1  # the twin had nothing recent either
    assert AuditEvent.objects.filter(action="delete", detail__retention__people=2).exists()


def test_nothing_within_the_retention_period_is_touched(world) -> None:
    close(world.case_a)
    erased = erase_expired()
    assert not any(erased.counts().values())
    assert Person.objects.filter(erased_at__isnull=False).count() == 0
    assert RetentionRun.objects.count() == 1 and not AuditEvent.objects.filter(action="delete").exists()
    assert QuarantinedRow.objects.get(pk=world.quarantined_a.pk).raw_text == "LAB-A,S1,123"


def test_an_open_case_keeps_its_person_however_old(world) -> None:
    assert world.case_a.status == Status.NEW
    erase_expired(today=later())
    assert Person.objects.get(pk=world.case_a.person_id).given_name == "Gwen"


def test_old_rows_with_no_person_are_erased_by_age(world, django_capture_on_commit_callbacks) -> None:
    world.submission.file.save("upload.csv", ContentFile(b"source_id,specimen_id\nLAB-A,S1\n"))
    stored = world.submission.file.name
    storage = world.submission.file.storage
    BadAddress.objects.create(channel="sms", address="+447911123456", reason="Not a mobile", marked_at=timezone.now())
    QuarantinedRow.objects.filter(pk=world.quarantined_a.pk).update(dismissed_reason="Mrs Jones's test, sent twice")

    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        erased = erase_expired(today=later())
    assert storage.exists(stored)  # until the transaction commits
    for callback in after_commit:
        callback()

    row = QuarantinedRow.objects.get(pk=world.quarantined_a.pk)
    assert row.raw_text == "" and row.fields == {} and row.reasons  # the reasons stay, for the quality report
    assert row.dismissed_reason == ""
    submission = Submission.objects.get(pk=world.submission.pk)
    assert not submission.file and not storage.exists(stored) and submission.received == 2
    staff = Message.objects.get(pk=world.message.pk)
    assert staff.recipient == "" and staff.body == ""
    assert not BadAddress.objects.exists()
    assert erased.quarantined_rows == 2 and erased.uploaded_files == 1 and erased.bad_addresses == 1


def test_the_figures_read_the_same_after_erasure(world) -> None:
    close(world.case_a)
    refresh()
    before = {(w.area_id, w.week_start): w.values for w in WeeklyFigures.objects.all()}
    assert before
    erase_expired(today=later())
    refresh(rebuild=True)
    assert {(w.area_id, w.week_start): w.values for w in WeeklyFigures.objects.all()} == before


def test_a_dry_run_counts_and_changes_nothing(world) -> None:
    close(world.case_a)
    out = io.StringIO()
    call_command("erase_expired", "--dry-run", "--today", later().isoformat(), stdout=out)
    assert "Would erase the details of 1 person" in out.getvalue()
    assert Person.objects.filter(erased_at__isnull=False).count() == 0
    assert not RetentionRun.objects.exists()


def test_the_command_says_what_it_erased(world) -> None:
    close(world.case_a)
    out = io.StringIO()
    call_command("erase_expired", "--today", later().isoformat(), stdout=out)
    assert "people 1," in out.getvalue() and "quarantined rows 2" in out.getvalue()


def test_the_daily_task_erases_once_a_day(world) -> None:
    from localtrace.cases.management.commands.schedule import PERIODIC

    assert erase_expired_data in PERIODIC
    close(world.case_a)
    assert erase_if_due(today=later()) is not None
    assert erase_if_due(today=later()) is None
    assert erase_if_due(today=later() + dt.timedelta(days=1)) is not None
    assert RetentionRun.objects.count() == 2


def test_the_dpo_sees_when_it_last_ran_and_what_it_erased(world, client_for) -> None:
    client = client_for("dpo")
    assert "It has not run yet" in client.get(reverse("core:home")).content.decode()
    close(world.case_a)
    erase_expired(today=later())
    page = client.get(reverse("core:home")).content.decode()
    assert "erased the details of 1 person," in page and "730 days" in page


def test_an_erased_person_s_case_page_says_so(world, client_for) -> None:
    close(world.case_a)
    erase_expired(today=later())
    page = client_for("area_lead_a").get(reverse("cases:case-detail", args=[world.case_a.pk]))
    assert page.status_code == 200 and "Details erased on" in page.content.decode()
    assert "Gwen" not in page.content.decode()


def test_the_privacy_notice_states_the_period(client, settings) -> None:
    settings.LOCALTRACE_RETENTION_DAYS = 1095
    page = client.get(reverse("core:privacy")).content.decode()
    assert "Your details are erased 1,095 days after your last test result" in page


def test_a_run_erases_every_due_person_however_many_batches_it_takes(world, monkeypatch) -> None:
    from localtrace.audit import retention

    close(world.case_a)
    for n in range(4):
        Person.objects.create(given_name=f"Gareth{n}", family_name="Price", postcode="FX1 1AB")
    monkeypatch.setattr(retention, "BATCH", 2)
    erased = erase_expired(today=later())
    assert (
        erased.people == 5
        and not Person.objects.filter(erased_at__isnull=True).exclude(pk=world.contact_a.person_id).exists()
    )


def test_reasons_staff_wrote_about_the_person_go_with_their_other_free_text(world) -> None:
    from decimal import Decimal

    from localtrace.cases.models import Transfer
    from localtrace.support.models import PaymentClaim

    case = world.case_a
    close(case)
    transfer = Transfer.objects.create(
        case=case, from_area=world.area_b, to_area=world.area_a, reason="Gwen moved in with her sister Ceri",
        transferred_by=world.users["lead_a"],
    )  # fmt: skip
    claim = PaymentClaim.objects.create(
        area=world.area_a, person=case.person, case=case, isolation_starts_on=case.specimen_date,
        isolation_ends_on=case.specimen_date + dt.timedelta(days=10), told_to_isolate=True, low_income=True,
        cannot_work_from_home=True, amount=Decimal("500.00"), status=PaymentClaim.Status.DECLINED,
        decision_reason="Gwen's partner Rhys earns too much", evidence_notes="Payslip seen",
    )  # fmt: skip

    erase_expired(today=later())

    assert Person.objects.get(pk=case.person_id).erased_at is not None
    kept = Transfer.objects.get(pk=transfer.pk)
    assert kept.reason == "" and (kept.from_area_id, kept.to_area_id) == (world.area_b.pk, world.area_a.pk)
    decided = PaymentClaim.objects.get(pk=claim.pk)
    assert decided.decision_reason == "" and decided.evidence_notes == ""
    assert decided.status == PaymentClaim.Status.DECLINED  # the decision itself stays, for the figures


def test_an_old_uploads_file_name_goes_with_its_file(world) -> None:
    # A file's own name may name a person ("results for J Smith.csv"): kept no longer than its rows' details.
    world.submission.file.save("upload.csv", ContentFile(b"source_id,specimen_id\nLAB-A,S1\n"))
    Submission.objects.filter(pk=world.submission.pk).update(filename="results for Gwen Morgan.csv")
    correction = Submission.objects.create(channel=Submission.Channel.CORRECTION, filename="Row 2 of submission 1")

    erase_expired(today=later())

    assert Submission.objects.get(pk=world.submission.pk).filename == ""
    assert Submission.objects.get(pk=correction.pk).filename == "Row 2 of submission 1"  # our own label
