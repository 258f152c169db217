"""Retention: personal data older than the retention period is erased; the figures built from it survive.

A person's details are kept while anything about them is recent: a test result, a case or a contact
whose date is within `LOCALTRACE_RETENTION_DAYS` (730 by default), or anything still open (a case or
contact being traced, a support request, a payment claim waiting for a decision). After that:

- the person keeps their row, so their cases, contacts and results still count in the figures, but
  loses every detail that identifies them: NHS number, names, date of birth, sex, address, postcode,
  phone and email, and the matching keys built from them;
- the free text written about them goes: case, contact, attempt and support notes, relationships,
  support needs, payment evidence notes and decision reasons, transfer reasons, the wording of their
  timeline events, a merge's copied values;
- messages to them lose their recipient and their text, and their results their postcode.

Rows not tied to a person are erased by age alone: quarantined rows' raw text and fields, uploaded
files and their names, messages (staff email included), addresses marked as not working, and the requester's details on
subject access requests closed before the cutoff. Nothing about a person is erased while a subject access
request for them is open. Dates, areas, statuses,
outcomes and counts stay, so weekly figures, chains and clusters read the same afterwards.

The audit trail is not touched: it is append-only, and it holds ids and actions, not the details.
`erase_if_due` runs once a day from `localtrace schedule`; `localtrace erase-expired` runs it by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from localtrace.audit.models import RetentionRun, SubjectAccessRequest
from localtrace.audit.services import Action, record
from localtrace.audit.subject_access import people_held_for_requests

# People are erased in batches, each in its own transaction, so a large first run holds no long locks.
BATCH = 1000
ERASED_TIMELINE_TEXT = "Details erased at the end of the retention period"


def retention_days() -> int:
    return int(getattr(settings, "LOCALTRACE_RETENTION_DAYS", 730))


def cutoff_for(today: dt.date) -> dt.date:
    """Anything dated before this day is older than the retention period."""
    return today - dt.timedelta(days=retention_days())


@dataclass
class Erased:
    """What one run erased, by kind of record."""

    people: int = 0
    results: int = 0
    cases: int = 0
    contacts: int = 0
    attempts: int = 0
    timeline_events: int = 0
    support_requests: int = 0
    payment_claims: int = 0
    merges: int = 0
    duplicate_reviews: int = 0
    messages: int = 0
    quarantined_rows: int = 0
    uploaded_files: int = 0
    bad_addresses: int = 0
    subject_access_requests: int = 0

    def counts(self) -> dict[str, int]:
        return asdict(self)


def people_due(cutoff: dt.date) -> QuerySet:
    """People not yet erased with nothing recent and nothing open: no result, case or contact on or after the cutoff."""
    from localtrace.cases.models import OPEN_STATUSES, Case
    from localtrace.contacts.models import Contact
    from localtrace.people.models import Person
    from localtrace.results.models import TestResult
    from localtrace.support.models import OPEN_REQUEST_STATUSES, PaymentClaim, SupportRequest

    person = OuterRef("pk")
    recent_or_open = (
        Exists(TestResult.objects.filter(person=person, result_date__gte=cutoff))
        | Exists(Case.objects.filter(Q(result_date__gte=cutoff) | Q(status__in=OPEN_STATUSES), person=person))
        | Exists(Contact.objects.filter(Q(last_exposure__gte=cutoff) | Q(status__in=OPEN_STATUSES), person=person))
        | Exists(SupportRequest.objects.filter(person=person, status__in=OPEN_REQUEST_STATUSES))
        | Exists(PaymentClaim.objects.filter(person=person, status=PaymentClaim.Status.SUBMITTED))
        # A person merged into another goes with the survivor, and a survivor waits for what was merged into it.
        | Exists(Person.objects.filter(merged_into=person, erased_at__isnull=True))
    )
    started = timezone.make_aware(dt.datetime.combine(cutoff, dt.time.min))
    due = Person.objects.filter(erased_at__isnull=True, created_at__lt=started).exclude(recent_or_open)
    # Nothing a person asked to see is erased while their request is open (Data Protection Act 2018 s.173):
    # the records confirmed as theirs, and until then every record the search offers.
    if protected := people_held_for_requests():
        due = due.exclude(pk__in=protected)
    return due


def _erase_people(ids: list[int], now: dt.datetime, erased: Erased) -> None:
    from localtrace.cases.models import Attempt, Case, TraceEvent, Transfer
    from localtrace.contacts.models import Contact
    from localtrace.messaging.models import Message, OptOut
    from localtrace.people.models import DuplicateReview, Merge, Person
    from localtrace.results.models import TestResult
    from localtrace.support.models import PaymentClaim, Referral, SupportAttempt, SupportRequest

    # An update, not save(): save() would rebuild the matching keys from the (now empty) names.
    erased.people += Person.objects.filter(pk__in=ids, erased_at__isnull=True).update(
        nhs_number="", given_name="", family_name="", date_of_birth=None, sex=Person.Sex.UNKNOWN,
        address_line_1="", postcode="", phone="", email="",
        match_key="", block_family_dob="", block_given_dob="", block_dob_postcode="", block_given_postcode="",
        erased_at=now,
    )  # fmt: skip
    erased.results += TestResult.objects.filter(person_id__in=ids).exclude(postcode="").update(postcode="")
    cases = Case.objects.filter(person_id__in=ids)
    contacts = Contact.objects.filter(person_id__in=ids)
    erased.cases += cases.update(outcome_note="", support_needs=None)
    erased.contacts += contacts.update(outcome_note="", relationship="")
    items = Q(case__in=cases) | Q(contact__in=contacts)
    erased.attempts += Attempt.objects.filter(items).exclude(note="").update(note="")
    erased.timeline_events += TraceEvent.objects.filter(items).update(summary=ERASED_TIMELINE_TEXT)
    # The same reason is on the timeline ("Transferred from … : reason"), erased just above.
    Transfer.objects.filter(items).exclude(reason="").update(reason="")
    requests = SupportRequest.objects.filter(person_id__in=ids)
    erased.support_requests += requests.update(outcome_note="")
    SupportAttempt.objects.filter(request__in=requests).update(note="")
    Referral.objects.filter(request__in=requests).update(note="")
    erased.payment_claims += PaymentClaim.objects.filter(person_id__in=ids).update(
        evidence_notes="", decision_reason=""
    )
    erased.merges += (
        Merge.objects.filter(Q(survivor_id__in=ids) | Q(merged_id__in=ids)).exclude(filled={}).update(filled={})
    )
    # A pair waiting for review can no longer be compared, and an erased record must never be linked: kept apart.
    erased.duplicate_reviews += DuplicateReview.objects.filter(
        Q(first_id__in=ids) | Q(second_id__in=ids), status=DuplicateReview.Status.OPEN
    ).update(status=DuplicateReview.Status.KEPT_APART, decided_at=now)
    erased.messages += (
        Message.objects.filter(person_id__in=ids)
        .exclude(recipient="")
        .update(recipient="", subject="", body="", holds_private_links=False)
    )
    OptOut.objects.filter(person_id__in=ids).update(note="")


def _erase_by_age(cutoff: dt.date, erased: Erased) -> None:
    from localtrace.messaging.models import BadAddress, Message
    from localtrace.results.models import QuarantinedRow, Submission

    before = timezone.make_aware(dt.datetime.combine(cutoff, dt.time.min))
    erased.messages += (
        Message.objects.filter(created_at__lt=before)
        .exclude(recipient="")
        .update(recipient="", subject="", body="", holds_private_links=False)
    )
    erased.bad_addresses += BadAddress.objects.filter(marked_at__lt=before).delete()[0]
    # A request closed long ago keeps its dates and outcome (the record that it was answered, and when).
    old_requests = SubjectAccessRequest.objects.filter(closed_at__lt=before, details_erased_at__isnull=True)
    SubjectAccessRequest.people.through.objects.filter(subjectaccessrequest__in=old_requests).delete()
    erased.subject_access_requests += old_requests.update(
        given_name="", family_name="", date_of_birth=None, postcode="", nhs_number="", phone="", email="",
        identity_evidence="", extension_reason="", free_text_read=[], withheld=[], details_erased_at=timezone.now(),
    )  # fmt: skip
    erased.quarantined_rows += (
        QuarantinedRow.objects.filter(created_at__lt=before)
        .filter(~Q(raw_text="") | ~Q(fields={}) | ~Q(dismissed_reason=""))
        .update(raw_text="", fields={}, dismissed_reason="")
    )
    old_files = Submission.objects.filter(created_at__lt=before).exclude(file="")
    stored = [(submission.file.storage, submission.file.name) for submission in old_files.only("pk", "file")]
    erased.uploaded_files += old_files.update(file="")
    # A file's own name may name a person ("results for J Smith.csv"); a correction's is our own label.
    Submission.objects.filter(created_at__lt=before).exclude(filename="").exclude(
        channel=Submission.Channel.CORRECTION
    ).update(filename="")
    # The files go only once the rows no longer name them: a rolled-back run leaves both in place.
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in stored])


def erase_expired(*, today: dt.date | None = None, dry_run: bool = False) -> Erased:
    """Erase what is older than the retention period; with dry_run, only count the people it would erase."""
    now = timezone.now()
    cutoff = cutoff_for(today or timezone.localdate())
    erased = Erased()
    due = people_due(cutoff).order_by("pk").values_list("pk", flat=True)
    if dry_run:
        erased.people = due.count()
        return erased
    # Batches walk forward by id, so each one reads only past the last: one pass over the people in all.
    # (A person merged into by someone later in the pass waits for the next day's run.)
    last = 0
    while ids := list(due.filter(pk__gt=last)[:BATCH]):
        with transaction.atomic():
            _erase_people(ids, now, erased)
        last = ids[-1]
    with transaction.atomic():
        _erase_by_age(cutoff, erased)
        RetentionRun.objects.create(
            started_at=now, finished_at=timezone.now(), cutoff=cutoff, days=retention_days(), counts=erased.counts()
        )
        if any(erased.counts().values()):
            record(
                Action.DELETE, object_type="people.person", detail={"retention": erased.counts(), "cutoff": str(cutoff)}
            )
    return erased


def erase_if_due(*, today: dt.date | None = None) -> Erased | None:
    """The daily run: nothing when a run has already finished today."""
    day = today or timezone.localdate()
    if RetentionRun.objects.filter(cutoff=cutoff_for(day)).exists():
        return None
    return erase_expired(today=day)
