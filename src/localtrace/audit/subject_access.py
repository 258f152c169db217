"""Subject access requests: a person's copy of the personal data the service holds about them.

The data protection officer records who asked and when, confirms which person records are the
requester's, records how their identity was checked, reads every piece of free text written about them
and withholds any that identifies someone else, then downloads the copy and closes the request.

What the copy leaves out, always: who named them as a contact and who they named (other people's
personal data; contacts are never told who named them), the names of staff, and clusters and outbreaks
(figures about many people). Free text staff wrote (notes, reasons, message wording) is shown to the
officer item by item, because it may name someone else. Timeline entries whose wording names a staff
member or another case are given a fixed wording instead.

The deadline is one calendar month from the day the request was received (the last day of the next
month when it has no such day), moved to the Monday when it falls on a weekend, or three months when
extended. Bank holidays are not known to the service, so the date shown is never later than the law's.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from localtrace.audit.models import SubjectAccessRequest
from localtrace.audit.services import Action, record
from localtrace.core.fingerprints import fingerprint

Outcome = SubjectAccessRequest.Outcome

# How many records the search offers the officer at most.
MAX_CANDIDATES = 50
WITHHELD_TEXT = "[Withheld: it identifies another person]"


class SubjectAccessError(Exception):
    """A change the request's state does not allow; the message says why in plain English."""


# --- the deadline ----------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later, or that month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_on(received_on: dt.date, *, extended: bool = False) -> dt.date:
    """The day the response is due: one calendar month on (three when extended), a weekend moved to Monday."""
    due = add_months(received_on, 3 if extended else 1)
    while due.weekday() >= 5:
        due += dt.timedelta(days=1)
    return due


def due_for(sar: SubjectAccessRequest) -> dt.date:
    return due_on(sar.received_on, extended=sar.extended_at is not None)


# --- finding the requester's records -----------------------------------------------------------------


@dataclass
class Candidate:
    person: Any
    reasons: list[str]
    results: int = 0
    cases: int = 0
    contacts: int = 0


def _match_conditions(sar: SubjectAccessRequest) -> list[tuple[str, Q]]:
    from localtrace.people.blocking import blocking_keys, day_month_swapped
    from localtrace.people.models import Person
    from localtrace.results.validation import normalise_phone

    conditions: list[tuple[str, Q]] = []
    if sar.nhs_number:
        conditions.append(("Same NHS number", Q(nhs_number=sar.nhs_number)))
    key = Person.key_for(sar.given_name, sar.family_name)
    births = [d for d in (sar.date_of_birth, day_month_swapped(sar.date_of_birth)) if d is not None]
    for born in births:
        swapped = "" if born == sar.date_of_birth else " (day and month swapped)"
        conditions.append((f"Same name and date of birth{swapped}", Q(match_key=key, date_of_birth=born)))
        # The request form stored the postcode normalised; blocking_keys compacts it as Person.save() does.
        family_dob, given_dob, dob_postcode = blocking_keys(sar.given_name, sar.family_name, born, sar.postcode)
        if family_dob:
            conditions.append((f"Same family name and date of birth{swapped}", Q(block_family_dob=family_dob)))
        if given_dob:
            conditions.append((f"Same given name and date of birth{swapped}", Q(block_given_dob=given_dob)))
        if dob_postcode:
            conditions.append((f"Same date of birth and postcode{swapped}", Q(block_dob_postcode=dob_postcode)))
    if sar.date_of_birth is None and sar.postcode:
        conditions.append(("Same name and postcode", Q(match_key=key, postcode=sar.postcode)))
    if phone := normalise_phone(sar.phone) if sar.phone else "":
        conditions.append(("Same phone number", Q(phone=phone)))
    if sar.email:
        # Stored in lower case by every door (people/matching.py), so an exact match can use the index.
        conditions.append(("Same email address", Q(email=sar.email.strip().lower())))
    return conditions


def survivor_of(person: Any) -> Any:
    """The record a merged person now lives in (a merge can be merged again)."""
    from localtrace.people.models import Person

    seen = set()
    while person.merged_into_id is not None and person.pk not in seen:
        seen.add(person.pk)
        person = Person.objects.get(pk=person.merged_into_id)
    return person


def find_records(sar: SubjectAccessRequest) -> list[Candidate]:
    """Person records that may be the requester's, each with the identifiers that agree, most likely first."""
    from localtrace.cases.models import Case
    from localtrace.contacts.models import Contact
    from localtrace.people.models import Person
    from localtrace.results.models import TestResult

    conditions = _match_conditions(sar)
    if not conditions:
        return []
    found: dict[int, Candidate] = {}
    for label, condition in conditions:
        for person in Person.objects.filter(condition, erased_at__isnull=True).order_by("pk")[:MAX_CANDIDATES]:
            survivor = survivor_of(person)
            candidate = found.setdefault(survivor.pk, Candidate(survivor, []))
            reason = label if survivor.pk == person.pk else f"{label} (on a record since linked to this one)"
            if reason not in candidate.reasons:
                candidate.reasons.append(reason)
    for candidate in found.values():
        # "Same name and date of birth" says all that the family-name and given-name keys would.
        for swapped in ("", " (day and month swapped)"):
            if f"Same name and date of birth{swapped}" in candidate.reasons:
                subsumed = {
                    f"Same family name and date of birth{swapped}",
                    f"Same given name and date of birth{swapped}",
                }
                candidate.reasons = [r for r in candidate.reasons if r not in subsumed]
    ids = list(found)
    for model, attribute in ((TestResult, "results"), (Case, "cases"), (Contact, "contacts")):
        counts = Counter(model.objects.filter(person_id__in=ids).values_list("person_id", flat=True))
        for pk, candidate in found.items():
            setattr(candidate, attribute, counts[pk])
    ranked = sorted(found.values(), key=lambda c: (-len(c.reasons), c.person.pk))
    return ranked[:MAX_CANDIDATES]


def people_of(sar: SubjectAccessRequest) -> list[Any]:
    """The confirmed records (or the records they were merged into since) and every record merged into those."""

    return _with_merged(survivor_of(person).pk for person in sar.people.all())


def people_held_for_requests() -> set[int]:
    """People the retention rule must leave alone: those of every open request, confirmed or still offered."""
    held: set[int] = set()
    for sar in SubjectAccessRequest.objects.filter(closed_at__isnull=True, details_erased_at__isnull=True):
        found = people_of(sar) if sar.records_confirmed_at else [c.person for c in find_records(sar)]
        for person in found:
            held |= {p.pk for p in _with_merged([person.pk])}
    return held


def _with_merged(ids: Iterable[int]) -> list[Any]:
    """These people and every record merged into them, oldest first."""
    from localtrace.people.models import Person

    found = set(ids)
    frontier = set(found)
    while frontier:
        frontier = set(Person.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return list(Person.objects.filter(pk__in=found).order_by("pk"))


# --- the copy ----------------------------------------------------------------------------------------


@dataclass
class FreeText:
    """Words a member of staff (or a message) wrote about the person, which may name someone else."""

    key: str
    label: str
    text: str
    withheld: bool = False

    @property
    def disclosed(self) -> str:
        return WITHHELD_TEXT if self.withheld else self.text

    @property
    def signature(self) -> str:
        """The item and its words as read: words changed since (an edited note) make a new signature."""
        return f"{self.key}#{hashlib.sha256(self.text.encode()).hexdigest()[:16]}"


@dataclass
class Entry:
    heading: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    texts: list[FreeText] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    row_headings: list[str] = field(default_factory=list)

    def fact(self, label: str, value: Any) -> None:
        if value is None or value == "" or value == []:
            return
        self.facts.append((label, _words(value)))

    def text(self, key: str, label: str, value: str) -> None:
        if value and value.strip():
            self.texts.append(FreeText(key, label, value.strip()))


@dataclass
class Section:
    title: str
    about: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Copy:
    """Everything the service holds about the requester, as the copy they are sent."""

    reference: str
    organisation: str
    produced_at: dt.datetime
    # The person records it covers: those confirmed and those merged into them.
    people: list[int]
    sections: list[Section]
    left_out: list[str]
    sources: list[str]
    recipients: list[str]
    retention_days: int

    @property
    def free_texts(self) -> list[FreeText]:
        return [t for s in self.sections for e in s.entries for t in e.texts]

    @property
    def withheld_count(self) -> int:
        return sum(t.withheld for t in self.free_texts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "organisation": self.organisation,
            "produced_at": self.produced_at.isoformat(),
            "sections": [
                {
                    "title": s.title,
                    "about": s.about,
                    "entries": [
                        {
                            "heading": e.heading,
                            "facts": [{"label": label, "value": value} for label, value in e.facts],
                            **(
                                {"table": [dict(zip(e.row_headings, r, strict=True)) for r in e.rows]} if e.rows else {}
                            ),
                            **(
                                {
                                    "free_text": [
                                        {"label": t.label, "text": t.disclosed, "withheld": t.withheld} for t in e.texts
                                    ]
                                }
                                if e.texts
                                else {}
                            ),
                        }
                        for e in s.entries
                    ],
                }
                for s in self.sections
            ],
            "left_out": self.left_out,
            "sources": self.sources,
            "recipients": self.recipients,
            "retention_days": self.retention_days,
        }


def _words(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%-d %B %Y at %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%-d %B %Y}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_words(v) for v in value)
    return str(value)


def _when(value: dt.datetime | dt.date) -> str:
    return _words(value)


# Timeline entries whose wording names a member of staff or another person's case get this wording instead.
_TIMELINE_WORDING = {
    "claimed": "Taken by a tracer",
    "assigned": "Given to a tracer",
    "named": "Named as a contact by someone who tested positive",
    "source_linked": "Linked to an earlier record of being named as a contact",
    "unreachable": "Recorded as not reachable",
    "transferred": "Moved to another area's team",
    # The place's name is in the list of places, where a name typed as "other" is read first.
    "visit": "Recorded a place they visited",
    # Its wording counts the contacts entered online, and names those already named.
    "portal_submitted": "Answered the questions online",
    # Its wording names the other person's case.
    "source_unlinked": "A link to the person they may have caught it from was removed",
}
# Entries whose wording the service writes from the record itself, with nothing about anyone else.
_TIMELINE_AS_WRITTEN = frozenset({
    "identity_confirmed", "symptoms", "completed", "contact_named", "symptom_report",
    "messages_stopped", "messages_resumed", "support_needs", "support_outcome",
    "portal_link", "ladder", "message_withheld", "message_failed", "details_changed", "isolation_note",
    "nothing_more", "became_case",
})  # fmt: skip
# Entries whose wording holds words a member of staff typed (a reason): a fixed wording, and the words to check.
_TIMELINE_WITH_STAFF_WORDS = frozenset({"unreachable", "transferred", "portal_submitted"})


def _timeline(entry: Entry, item: Any, prefix: str) -> None:
    """The item's history. Attempts are listed apart, with their notes, so here they are channel and outcome."""
    from localtrace.cases.models import Attempt

    channels, outcomes = dict(Attempt.Channel.choices), dict(Attempt.Outcome.choices)
    entry.row_headings = ["When", "What happened"]
    for event in item.events.order_by("occurred_at", "pk"):
        kind = event.kind
        if kind == "attempt":
            channel, outcome = event.detail.get("channel", ""), event.detail.get("outcome", "")
            wording = f"{channels.get(channel, 'Attempt')}: {outcomes.get(outcome, outcome).lower()}".rstrip(": ")
        elif kind in _TIMELINE_WORDING:
            wording = _TIMELINE_WORDING[kind]
        elif kind in _TIMELINE_AS_WRITTEN:
            wording = event.summary
        else:
            # A kind this list does not know yet: its words are checked like any free text.
            wording = "An entry on the record"
            entry.text(f"{prefix}.event.{event.pk}", f"Timeline entry, {_when(event.occurred_at)}", event.summary)
        if kind in _TIMELINE_WITH_STAFF_WORDS:
            entry.text(f"{prefix}.event.{event.pk}", f"{wording}, {_when(event.occurred_at)}", event.summary)
        entry.rows.append([_when(event.occurred_at), wording])


def _attempts(entry: Entry, attempts: Iterable[Any], prefix: str) -> None:
    """Each try to reach them is on the timeline; here only the notes staff wrote about one."""
    for attempt in attempts:
        entry.text(f"{prefix}.attempt.{attempt.pk}", f"Note on the attempt of {_when(attempt.made_at)}", attempt.note)


def _person_entries(people: list[Any]) -> list[Entry]:
    entries = []
    for person in people:
        entry = Entry(f"Record {person.pk}" + (" (linked to another record of yours)" if person.merged_into_id else ""))
        if person.erased_at is not None:
            entry.fact("Details", f"Erased on {_when(person.erased_at)} at the end of the retention period")
        else:
            entry.fact("Name", f"{person.given_name} {person.family_name}".strip())
            entry.fact("Date of birth", person.date_of_birth)
            entry.fact("Sex", person.get_sex_display() if person.sex != person.Sex.UNKNOWN else "")
            entry.fact("NHS number", person.nhs_number)
            entry.fact("Address", person.address_line_1)
            entry.fact("Postcode", person.postcode)
            entry.fact("Phone number", person.phone)
            entry.fact("Email address", person.email)
            entry.fact("Language for messages", {"en": "English", "cy": "Welsh"}.get(person.preferred_language, ""))
        entry.fact("First recorded", person.created_at)
        entries.append(entry)
    return entries


def _result_section(ids: list[int]) -> Section:
    from localtrace.results.models import TestResult

    section = Section("Test results", "Results laboratories and testing services sent us.")
    results = TestResult.objects.filter(person_id__in=ids).select_related("area").order_by("specimen_date", "pk")
    for result in results:
        entry = Entry(f"{result.test_type} test taken on {_when(result.specimen_date)}")
        entry.fact("Result", result.result.capitalize())
        entry.fact("Result date", result.result_date)
        entry.fact("From", result.source_id)
        entry.fact("Specimen ID", result.specimen_id)
        entry.fact("Postcode given with the test", result.postcode)
        entry.fact("Area", result.area.name if result.area else "")
        entry.fact("Test code", result.test_code)
        entry.fact("Lives or works in a care home", result.care_home or "")
        entry.fact("Work given with the test", result.occupation)
        entry.fact("Received", result.received_at)
        section.entries.append(entry)
    return section


def _case_section(ids: list[int]) -> Section:
    from localtrace.cases.models import SUPPORT_NEEDS, Case
    from localtrace.config import policy

    section = Section(
        "Positive tests (cases)",
        "When you tested positive, a tracer from the local team worked with you to reach the people you may have "
        "passed it to and to find where you may have caught it.",
    )
    cases = Case.objects.filter(person_id__in=ids).select_related("area").order_by("specimen_date", "pk")
    for case in cases:
        entry = Entry(f"Case {case.reference}, test taken on {_when(case.specimen_date)}")
        entry.fact("Local team's area", case.area.name)
        entry.fact("Status", case.get_status_display())
        entry.fact("Result date", case.result_date)
        entry.fact("Opened", case.opened_at)
        entry.fact("Why it was given priority", case.priority_reasons)
        entry.fact("Identity confirmed", case.identity_confirmed_at)
        entry.fact("Had symptoms", case.symptomatic)
        entry.fact("Symptoms started", case.onset_date)
        entry.fact("Isolation ended", policy.case_isolation_ends_on(case.anchor_date))
        entry.fact("Reached", case.reached_at)
        entry.fact("Closed", case.closed_at)
        entry.fact("Asked who they live with", case.household_asked_at)
        entry.fact("Asked who else they were close to", case.contacts_asked_at)
        entry.fact("Asked where they went", case.places_asked_at)
        if case.support_needs is not None:
            entry.fact("Help asked for", [SUPPORT_NEEDS.get(n, n) for n in case.support_needs] or "None")
            entry.fact("Help needed urgently", case.support_urgent)
            entry.fact("Agreed to be referred for help", case.support_consent)
        named = Counter(case.contacts.values_list("kind", flat=True))
        if named:
            kinds = dict(case.contacts.model.Kind.choices)
            entry.fact(
                "People you named as contacts",
                f"{sum(named.values())}: " + "; ".join(f"{kinds[k].lower()}, {n}" for k, n in sorted(named.items())),
            )
        for visit in case.visits.select_related("setting").order_by("visited_on", "pk"):
            setting, label = visit.setting, f"Place visited on {_when(visit.visited_on)}"
            kind = f"{setting.get_kind_display().lower()}; {visit.get_direction_display()}"
            if setting.kind == setting.Kind.OTHER:
                # A place that is not a business or a service may be someone's home, named after them.
                entry.fact(label, kind)
                entry.text(f"visit.{visit.pk}.setting", f"The place's name ({label.lower()})", setting.name)
            else:
                entry.fact(label, f"{setting.name} ({kind})")
        _attempts(entry, case.attempts.order_by("made_at", "pk"), f"case.{case.pk}")
        entry.text(f"case.{case.pk}.outcome_note", "Note when the case was closed", case.outcome_note)
        _timeline(entry, case, f"case.{case.pk}")
        section.entries.append(entry)
    return section


def _contact_section(ids: list[int]) -> Section:
    from localtrace.contacts.models import Contact

    section = Section(
        "Named as a contact",
        "Someone who tested positive told us they had been near you. We do not tell contacts who named them.",
    )
    contacts = Contact.objects.filter(person_id__in=ids).select_related("area").order_by("last_exposure", "pk")
    for contact in contacts:
        entry = Entry(f"Contact {contact.reference}, last near them on {_when(contact.last_exposure)}")
        entry.fact("How you were near them", contact.get_kind_display())
        entry.fact("Local team's area", contact.area.name)
        entry.fact("Status", contact.get_status_display())
        entry.fact("Named", contact.named_at)
        entry.fact("Named online", contact.named_online)
        entry.fact("Isolation ended", contact.isolation_ends_on)
        entry.fact("Reached", contact.reached_at)
        entry.fact("Closed", contact.closed_at)
        for report in contact.symptom_reports.order_by("reported_on", "pk"):
            how = "online" if report.online else "on a call"
            entry.fact(f"Symptoms on {_when(report.reported_on)}", f"{_words(report.has_symptoms)} (told us {how})")
        entry.text(f"contact.{contact.pk}.relationship", "How you know the person who named you", contact.relationship)
        _attempts(entry, contact.attempts.order_by("made_at", "pk"), f"contact.{contact.pk}")
        entry.text(f"contact.{contact.pk}.outcome_note", "Note when the contact was closed", contact.outcome_note)
        _timeline(entry, contact, f"contact.{contact.pk}")
        section.entries.append(entry)
    return section


def _support_section(ids: list[int]) -> Section:
    from localtrace.support.models import PaymentClaim, SupportRequest

    section = Section("Help to isolate", "Help you asked for, who we referred you to, and payment claims.")
    requests = SupportRequest.objects.filter(person_id__in=ids).select_related("area").order_by("requested_at", "pk")
    for help_request in requests:
        entry = Entry(
            f"Help with {help_request.get_need_display().lower()}, asked on {_when(help_request.requested_at)}"
        )
        entry.fact("Urgent", help_request.urgent)
        entry.fact("Agreed to be referred", help_request.consent)
        entry.fact("Asked", help_request.get_source_display())
        entry.fact("Status", help_request.get_status_display())
        entry.fact("First contact", help_request.first_contact_at)
        entry.fact("Closed", help_request.closed_at)
        for referral in help_request.referrals.select_related("organisation").order_by("referred_at", "pk"):
            entry.fact(f"Referred on {_when(referral.referred_at)}", referral.organisation.name)
            entry.text(
                f"referral.{referral.pk}.note", f"Note on the referral of {_when(referral.referred_at)}", referral.note
            )
        for attempt in help_request.attempts.order_by("made_at", "pk"):
            what = f"{attempt.get_channel_display()}: {attempt.get_outcome_display().lower()}"
            entry.fact(f"Support officer tried to reach you, {_when(attempt.made_at)}", what)
            entry.text(
                f"support_attempt.{attempt.pk}.note", f"Note on the attempt of {_when(attempt.made_at)}", attempt.note
            )
        entry.text(f"support.{help_request.pk}.outcome_note", "Note when it was closed", help_request.outcome_note)
        section.entries.append(entry)
    for claim in PaymentClaim.objects.filter(person_id__in=ids).order_by("claimed_at", "pk"):
        entry = Entry(f"Support payment claim, {_when(claim.claimed_at)}")
        entry.fact("Isolating", f"{_when(claim.isolation_starts_on)} to {_when(claim.isolation_ends_on)}")
        entry.fact("Told to isolate", claim.told_to_isolate)
        entry.fact("On a low income", claim.low_income)
        entry.fact("Cannot work from home", claim.cannot_work_from_home)
        entry.fact("Amount", f"£{claim.amount:,.2f}")
        entry.fact("Claimed", claim.get_channel_display())
        entry.fact("Decision", claim.get_status_display())
        entry.fact("Decided", claim.decided_at)
        entry.fact("Payment reference", claim.payment_reference)
        entry.text(f"claim.{claim.pk}.decision_reason", "Reason for the decision", claim.decision_reason)
        entry.text(f"claim.{claim.pk}.evidence_notes", "Notes on the evidence", claim.evidence_notes)
        section.entries.append(entry)
    return section


def _message_section(people: list[Any]) -> Section:
    from localtrace.messaging.models import Message, OptOut
    from localtrace.messaging.private_links import hide_private_links
    from localtrace.portal.models import IsolationNote, PortalLink

    section = Section(
        "Messages and self-service links",
        "Text messages and emails we sent you, and the links that let you answer online. A link that let you "
        "in is shown as hidden: only you could use it, and it no longer works for anyone.",
    )
    ids = [p.pk for p in people]
    # A message to a number or address several people share belongs to none of them: it is found by address.
    addresses = {a for p in people for a in (p.phone, p.email) if a}
    shared = Q(person__isnull=True, recipient__in=addresses) if addresses else Q(pk__in=[])
    # And by the records it was about: their number or address may have changed since it went.
    about = Q(case__person_id__in=ids) | Q(contact__person_id__in=ids)
    about |= Q(about__case__person_id__in=ids) | Q(about__contact__person_id__in=ids)
    found = Message.objects.filter(pk__in=Message.objects.filter(Q(person_id__in=ids) | shared | about).values("pk"))
    for message in found.order_by("created_at", "pk"):
        entry = Entry(f"{message.get_channel_display()}, {_when(message.created_at)}")
        entry.fact("Sent to", message.recipient)
        entry.fact("Status", message.get_status_display())
        entry.fact("Subject", message.subject)
        # A message to a number several people share lists each of them: read like any free text.
        entry.text(f"message.{message.pk}.body", "What it said", hide_private_links(message.body))
        section.entries.append(entry)
    for link in PortalLink.objects.filter(person_id__in=ids).order_by("created_at", "pk"):
        entry = Entry(f"Self-service link, {_when(link.created_at)}")
        entry.fact("For", link.item.reference)  # type: ignore[attr-defined]
        entry.fact("Expires", link.expires_at)
        entry.fact("First opened", link.first_opened_at)
        entry.fact("Answers sent", link.submitted_at)
        entry.fact("Stopped", f"{_when(link.revoked_at)}: {link.revoked_reason}" if link.revoked_at else "")
        for note in IsolationNote.objects.filter(link=link).order_by("issued_at"):
            entry.fact(f"Isolation note {note.reference}", f"{_when(note.isolate_from)} to {_when(note.isolate_until)}")
        section.entries.append(entry)
    for stop in OptOut.objects.filter(person_id__in=ids):
        entry = Entry("You asked us to stop sending messages")
        entry.fact("Since", stop.stopped_at)
        entry.text(f"optout.{stop.pk}.note", "Note", stop.note)
        section.entries.append(entry)
    return section


def build_copy(sar: SubjectAccessRequest, *, at: dt.datetime | None = None) -> Copy:
    """The requester's copy as it stands now, with the officer's withheld items marked."""
    from localtrace.audit.retention import retention_days
    from localtrace.people.models import Merge
    from localtrace.results.models import Submitter, TestResult
    from localtrace.support.models import Referral

    people = people_of(sar)
    ids = [p.pk for p in people]
    details = Section("Your details", "What we hold to know who you are.", _person_entries(people))
    merges = Merge.objects.filter(Q(survivor_id__in=ids) | Q(merged_id__in=ids)).order_by("merged_at", "pk")
    for merge in merges:
        entry = Entry(f"Records {merge.merged_id} and {merge.survivor_id} linked as one person")
        entry.fact("Linked", merge.merged_at)
        entry.fact("Separated again", merge.undone_at)
        details.entries.append(entry)
    sections = [
        details,
        _result_section(ids),
        _case_section(ids),
        _contact_section(ids),
        _support_section(ids),
        _message_section(people),
    ]
    withheld = set(sar.withheld)
    for section in sections:
        for entry in section.entries:
            for text in entry.texts:
                text.withheld = text.key in withheld
    codes = set(TestResult.objects.filter(person_id__in=ids).values_list("source_id", flat=True))
    names = dict(Submitter.objects.filter(code__in=codes).values_list("code", "name"))
    sources = sorted(names.get(code, code) for code in codes)
    organisations = sorted(
        set(Referral.objects.filter(request__person_id__in=ids).values_list("organisation__name", flat=True))
    )
    return Copy(
        reference=sar.reference,
        organisation=settings.ORGANISATION_NAME,
        produced_at=at or timezone.now(),
        people=ids,
        sections=[s for s in sections if s.entries],
        left_out=[
            "Who named you as a contact, and the people you named: their details are theirs. Contacts are never "
            "told who named them.",
            "The names of our staff.",
            "Clusters and outbreaks: figures about many people, not about you.",
        ],
        sources=[
            *(f"Test results from {source}" for source in sources),
            "What you told our tracers and support officers, and what you answered online",
            "What someone who tested positive told us, when they named you as a contact",
        ],
        recipients=[
            f"{settings.ORGANISATION_NAME}'s tracers, support officers and their managers, for the areas that "
            "worked your records",
            "GOV.UK Notify, which delivers our text messages and emails",
            *(f"{name}, to whom we referred you for help" for name in organisations),
        ],
        retention_days=retention_days(),
    )


def copy_json(copy: Copy) -> bytes:
    return json.dumps(copy.as_dict(), ensure_ascii=False, indent=2).encode()


# --- the steps ---------------------------------------------------------------------------------------


@dataclass
class Progress:
    """Where a request stands: what is done and what must happen before the copy can be downloaded."""

    records_confirmed: bool
    identity_checked: bool
    free_text_checked: bool
    unread: int

    @property
    def ready(self) -> bool:
        return self.records_confirmed and self.identity_checked and self.free_text_checked


def progress(sar: SubjectAccessRequest, copy: Copy | None = None) -> Progress:
    confirmed = sar.records_confirmed_at is not None
    unread = 0
    if confirmed:
        signatures = {t.signature for t in (copy or build_copy(sar)).free_texts}
        unread = len(signatures - set(sar.free_text_read))
    return Progress(
        records_confirmed=confirmed,
        identity_checked=sar.identity_checked_at is not None,
        free_text_checked=confirmed and sar.free_text_checked_at is not None and unread == 0,
        unread=unread,
    )


def _locked(sar: SubjectAccessRequest) -> SubjectAccessRequest:
    """The request's row, locked for this transaction, refusing a closed request."""
    current = SubjectAccessRequest.objects.select_for_update().get(pk=sar.pk)
    if not current.is_open:
        raise SubjectAccessError(f"{current.reference} was closed on {_when(current.closed_at)}; it cannot be changed.")  # type: ignore[arg-type]
    return current


REQUESTER_FIELDS = (
    "received_on",
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
    "nhs_number",
    "phone",
    "email",
)


@transaction.atomic
def start_request(details: dict[str, Any], *, by: Any, request: HttpRequest | None = None) -> SubjectAccessRequest:
    sar = SubjectAccessRequest.objects.create(**{k: details[k] for k in REQUESTER_FIELDS}, created_by=by)
    record(Action.CREATE, request=request, actor=by, obj=sar)
    return sar


@transaction.atomic
def confirm_records(
    sar: SubjectAccessRequest, people: list[Any], *, by: Any, request: HttpRequest | None = None
) -> SubjectAccessRequest:
    """The requester's records are these (possibly none). A changed choice means the free text is read again."""
    current = _locked(sar)
    current.people.set(people)
    current.records_confirmed_at = timezone.now()
    current.free_text_checked_at = None
    current.save(update_fields=["records_confirmed_at", "free_text_checked_at"])
    record(Action.CHANGE, request=request, actor=by, obj=current, detail={"people": sorted(p.pk for p in people)})
    return current


class StaleIdentityCheck(SubjectAccessError):
    """The identity check changed since the form was opened: saving it would quietly undo that change."""


STALE_IDENTITY_CHECK = (
    "Someone else recorded how the requester's identity was checked since you opened this page. It is shown as it "
    "is now: make your change again."
)


def identity_fingerprint(sar: SubjectAccessRequest) -> str:
    # When as well as how: a check recorded again in the same words is still someone else's change.
    return fingerprint(sar, ("identity_evidence", "identity_checked_at"))


@transaction.atomic
def record_identity_check(
    sar: SubjectAccessRequest, evidence: str, *, by: Any, request: HttpRequest | None = None, seen: str | None = None
) -> SubjectAccessRequest:
    """`seen` is the identity form's `identity_fingerprint`: a check recorded since the form was opened is not
    overwritten from a stale page (StaleIdentityCheck); `sar` then holds the check as it is now."""
    current = _locked(sar)
    if seen is not None and identity_fingerprint(current) != seen:
        sar.identity_evidence, sar.identity_checked_at = current.identity_evidence, current.identity_checked_at
        raise StaleIdentityCheck(STALE_IDENTITY_CHECK)
    current.identity_checked_at, current.identity_evidence = timezone.now(), evidence
    current.save(update_fields=["identity_checked_at", "identity_evidence"])
    record(Action.CHANGE, request=request, actor=by, obj=current, detail={"identity_checked": True})
    return current


@transaction.atomic
def record_free_text_check(
    sar: SubjectAccessRequest,
    *,
    shown: Iterable[str],
    withheld: Iterable[str],
    by: Any,
    request: HttpRequest | None = None,
) -> SubjectAccessRequest:
    """The officer read the items `shown` (their signatures) and chose to withhold `withheld` (their keys).

    Refused when the records changed since the page was opened (a new note, another record confirmed):
    every item in the copy must have been read.
    """
    current = _locked(sar)
    if current.records_confirmed_at is None:
        raise SubjectAccessError("Confirm which records are the requester's first.")
    items = build_copy(current).free_texts
    signatures, keys = {t.signature for t in items}, {t.key for t in items}
    shown, withheld = set(shown), set(withheld)
    if shown != signatures:
        raise SubjectAccessError(
            "Something was written about them since you opened this page. Read the items again, as they are now."
        )
    if not withheld <= keys:
        raise SubjectAccessError("Choose only items on this page.")
    current.free_text_read, current.withheld = sorted(signatures), sorted(withheld)
    current.free_text_checked_at = timezone.now()
    current.save(update_fields=["free_text_read", "withheld", "free_text_checked_at"])
    record(
        Action.CHANGE, request=request, actor=by, obj=current, detail={"read": len(items), "withheld": len(withheld)}
    )
    return current


@transaction.atomic
def extend(
    sar: SubjectAccessRequest, reason: str, *, by: Any, request: HttpRequest | None = None
) -> SubjectAccessRequest:
    current = _locked(sar)
    if current.extended_at is not None:
        raise SubjectAccessError("This request has already been extended; the law allows it once, by two months.")
    if timezone.localdate() > due_on(current.received_on):
        raise SubjectAccessError(
            f"The first month ended on {_when(due_on(current.received_on))}: a request can be extended only before "
            "then, with the reason told to the requester."
        )
    current.extended_at, current.extension_reason = timezone.now(), reason
    current.save(update_fields=["extended_at", "extension_reason"])
    record(Action.CHANGE, request=request, actor=by, obj=current, detail={"extended_to": str(due_for(current))})
    return current


def _downloaded(sar: SubjectAccessRequest) -> bool:
    from localtrace.audit.models import AuditEvent

    return AuditEvent.objects.filter(
        action=Action.EXPORT, object_type=sar._meta.label_lower, object_id=str(sar.pk)
    ).exists()


def download(
    sar: SubjectAccessRequest, copy: Copy, content: bytes, fmt: str, *, by: Any, request: HttpRequest | None = None
) -> None:
    """Record that the copy left the service: what it held, in which form, and a checksum of the file."""
    record(
        Action.EXPORT,
        request=request,
        actor=by,
        obj=sar,
        detail={
            "format": fmt,
            "people": copy.people,
            "withheld": copy.withheld_count,
            "sha256": hashlib.sha256(content).hexdigest(),
        },
    )


@transaction.atomic
def close(
    sar: SubjectAccessRequest, outcome: str, responded_on: dt.date, *, by: Any, request: HttpRequest | None = None
) -> SubjectAccessRequest:
    current = _locked(sar)
    if outcome not in Outcome.values:
        raise SubjectAccessError("Choose how the request ended.")
    if outcome == Outcome.DISCLOSED and not progress(current).ready:
        raise SubjectAccessError("Finish the steps before the copy is sent: records, identity and free text.")
    if outcome == Outcome.DISCLOSED and not current.people.exists():
        raise SubjectAccessError("No record is confirmed as theirs: close it as “we hold no data about them”.")
    if outcome == Outcome.DISCLOSED and not _downloaded(current):
        raise SubjectAccessError("Download their copy before you say it was sent.")
    if outcome == Outcome.NO_DATA and current.records_confirmed_at is None:
        raise SubjectAccessError("Look for their records first: find their records, then say none is theirs.")
    if outcome == Outcome.NO_DATA and current.people.exists():
        raise SubjectAccessError("Records are confirmed as theirs, so we do hold data about them.")
    if responded_on < current.received_on:
        raise SubjectAccessError("The day you responded cannot be before the day the request was received.")
    current.closed_at, current.outcome, current.responded_on = timezone.now(), outcome, responded_on
    current.save(update_fields=["closed_at", "outcome", "responded_on"])
    record(
        Action.CHANGE,
        request=request,
        actor=by,
        obj=current,
        detail={"closed": outcome, "on_time": responded_on <= due_for(current)},
    )
    return current


def subject_access_summary(user: Any) -> dict[str, int]:
    """Open requests, and how many are due within a week or overdue, for the officer's home page."""
    from localtrace.accounts.access import scoped

    today = timezone.localdate()
    requests = scoped(user, "subject_access.view", SubjectAccessRequest.objects.filter(closed_at__isnull=True))
    days = [(due_for(r) - today).days for r in requests]
    return {"open": len(days), "due_soon": sum(0 <= d <= 7 for d in days), "overdue": sum(d < 0 for d in days)}
