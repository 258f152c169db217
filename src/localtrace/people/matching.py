"""Finding the person a record belongs to. Every caller goes through `find_or_create_people`.

Rules, in order:
1. The same valid NHS number is the same person (a merged person answers with its survivor).
2. Otherwise candidates are found by blocking keys (indexed columns: both names within a postcode,
   family name or given name with the date of birth, date of birth with postcode, given name within
   the postcode, phone, email;
   also with given and family names swapped and day and month swapped)
   among the people already known and the new people of the same batch, and each is scored
   with the trained Splink model's parameters (`people.model`). The best candidate:
   - at or above `LINKAGE_LINK_ABOVE` (and agreeing on given name and date of birth): the same person;
   - at or above `LINKAGE_REVIEW_ABOVE`: a new person, and a possible-duplicate review item;
   - below: a new person.
   A candidate with a different NHS number is never the same person.

A fixed number of queries per batch whatever its size: one NHS lookup, two candidate lookups per
500 records (names by exact (name, postcode) pairs; the other keys together), one insert per 500 new
people, and two more only when review items arise. On PostgreSQL a shared advisory lock keeps merges out
until the caller's transaction ends (see `hold_off_merges`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property  # no lock, unlike functools' on 3.11

from localtrace.core.bulk import insert_returning_ids
from localtrace.core.lookups import index_probes, text_array
from localtrace.people.blocking import blocking_keys, compact_postcode, day_month_swapped, given_postcode_key
from localtrace.people.model import LinkageModel, Score, current_model, thresholds
from localtrace.people.models import DuplicateReview, Person
from localtrace.people.names import name_key

LOOKUP_CHUNK = 500
CANDIDATE_COLUMNS = (
    "pk", "nhs_number", "given_name", "family_name", "date_of_birth", "postcode", "phone", "email",
)  # fmt: skip


@dataclass(frozen=True)
class PersonRecord:
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    sex: str = Person.Sex.UNKNOWN
    address_line_1: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    preferred_language: str = "en"

    @cached_property
    def exact_key(self) -> tuple[str, dt.date | None, str]:
        return (Person.key_for(self.given_name, self.family_name), self.date_of_birth, self.postcode)

    @cached_property
    def linkage_row(self) -> dict[str, Any]:
        return linkage_row(
            None, self.given_name, self.family_name, self.date_of_birth, self.postcode, self.phone, self.email
        )

    @cached_property
    def lookup_keys(self) -> list[tuple[str, str]]:
        """(column, value) pairs any one of which finds a candidate."""
        return self.first_lookup_keys + self.postcode_lookup_keys

    @cached_property
    def first_lookup_keys(self) -> list[tuple[str, str]]:
        """Every key but the given name within the postcode."""
        keys: list[tuple[str, str]] = []
        given, family = name_key(self.given_name), name_key(self.family_name)
        if given and family and self.postcode:
            keys += [("match_key", f"{given}|{family}"), ("match_key", f"{family}|{given}")]
        for born in (self.date_of_birth, day_month_swapped(self.date_of_birth)):
            if born is None:
                continue
            family_dob, given_dob, dob_postcode = blocking_keys(self.given_name, self.family_name, born, self.postcode)
            keys += [("block_family_dob", family_dob), ("block_given_dob", given_dob)]
            keys += [("block_dob_postcode", dob_postcode)]
            # Given and family names swapped: each name looked up as the other, with the date of birth.
            swapped_family_dob, swapped_given_dob, _ = blocking_keys(self.family_name, self.given_name, born, "")
            keys += [("block_family_dob", swapped_family_dob), ("block_given_dob", swapped_given_dob)]
        if self.phone:
            keys.append(("phone", self.phone))
        if self.email:
            keys.append(("email", self.email))
        return [(column, value) for column, value in keys if value]

    @cached_property
    def postcode_lookup_keys(self) -> list[tuple[str, str]]:
        """The given name within the postcode (the family name also looked up as one, for names swapped): the last
        resort, for a record whose other keys are all broken. Looked up only for records not found exactly."""
        keys = [given_postcode_key(self.given_name, self.postcode), given_postcode_key(self.family_name, self.postcode)]
        return [("block_given_postcode", value) for value in keys if value]


def linkage_row(
    unique_id: int | None,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date | str | None,
    postcode: str,
    phone: str,
    email: str,
) -> dict[str, Any]:
    """A record as the linkage model compares it (see people/comparisons.py)."""
    born = date_of_birth.isoformat() if isinstance(date_of_birth, dt.date) else date_of_birth
    return {
        "unique_id": unique_id,
        "given_name": name_key(given_name) or None,
        "family_name": name_key(family_name) or None,
        "date_of_birth": born or None,
        "postcode": compact_postcode(postcode) or None,
        "phone": phone or None,
        "email": (email or "").strip().lower() or None,
    }


PERSON_COLUMNS = (
    "nhs_number", "given_name", "family_name", "date_of_birth", "sex", "address_line_1", "postcode",
    "phone", "email", "preferred_language", "match_key", "block_family_dob", "block_given_dob",
    "block_dob_postcode", "block_given_postcode", "created_at",
)  # fmt: skip


@dataclass
class Candidate:
    """A person already known (pk set) or one new in this batch (slot set)."""

    nhs_number: str
    row: dict[str, Any]
    exact_key: tuple[str, dt.date | None, str]
    pk: int | None = None
    slot: int | None = None


@dataclass(frozen=True)
class Decision:
    candidate: Candidate | None
    score: Score | None
    link: bool


def decide(
    model: LinkageModel,
    record: PersonRecord,
    candidates: Iterable[Candidate],
    *,
    link_above: float,
    review_above: float,
) -> Decision:
    """The best candidate for one record, and whether it is the same person.

    A candidate sure enough to link (and agreeing on given name and date of birth) wins over a
    higher-scoring one that is not: a parent whose phone and email a child's result carries
    agrees on more fields than the child's own record, but not on the date of birth.
    """
    best_link: tuple[Candidate, Score] | None = None
    best_other: tuple[Candidate, Score] | None = None
    for candidate in candidates:
        if record.nhs_number and candidate.nhs_number and candidate.nhs_number != record.nhs_number:
            continue  # two valid NHS numbers: two people
        if candidate.exact_key == record.exact_key and record.given_name:
            return Decision(candidate, None, link=True)
        score = model.score(record.linkage_row, candidate.row)
        if not score.plausible() or score.match_probability < review_above:
            continue
        if score.match_probability >= link_above and score.agrees_on_identity():
            if best_link is None or score.match_weight > best_link[1].match_weight:
                best_link = (candidate, score)
        elif best_other is None or score.match_weight > best_other[1].match_weight:
            best_other = (candidate, score)
    if best_link is not None:
        return Decision(best_link[0], best_link[1], link=True)
    if best_other is not None:
        return Decision(best_other[0], best_other[1], link=False)
    return Decision(None, None, link=False)


def _nhs_owners(numbers: set[str]) -> dict[str, tuple[int, str]]:
    """NHS number → (surviving person id, their NHS number), following merges."""
    owners: dict[str, tuple[int, str]] = {}
    if not numbers:
        return owners
    merged: dict[str, int] = {}
    for pk, nhs_number, merged_into in (
        Person.objects.filter(nhs_number__any_of=numbers).order_by("pk").values_list("pk", "nhs_number", "merged_into")
    ):
        if merged_into is None:
            owners.setdefault(nhs_number, (pk, nhs_number))
        else:
            merged.setdefault(nhs_number, merged_into)
    for nhs_number, into in merged.items():
        if nhs_number not in owners:
            owners[nhs_number] = (survivor_of(into), nhs_number)
    return owners


def survivor_of(pk: int) -> int:
    """The person a (possibly merged) person now lives on as."""
    seen = {pk}
    while True:
        into = Person.objects.filter(pk=pk).values_list("merged_into", flat=True).first()
        if into is None or into in seen:
            return pk
        seen.add(into)
        pk = into


def _known_candidates(
    records: Sequence[PersonRecord], keys_of: Callable[[PersonRecord], list[tuple[str, str]]] | None = None
) -> dict[tuple[str, str], list[Candidate]]:
    """(column, value) → the known, unmerged people with that blocking key; every key of each record unless
    `keys_of` chooses some."""
    found: dict[tuple[str, str], dict[int, Candidate]] = {}
    for start in range(0, len(records), LOOKUP_CHUNK):
        wanted: dict[str, set[str]] = {}
        # A name alone is shared by hundreds in a million people: names meet within a postcode.
        names: set[tuple[str, str]] = set()
        for record in records[start : start + LOOKUP_CHUNK]:
            for column, value in keys_of(record) if keys_of is not None else record.lookup_keys:
                if column == "match_key":
                    names.add((value, record.postcode))
                else:
                    wanted.setdefault(column, set()).add(value)
        seen: dict[int, Candidate] = {}
        if wanted:
            condition = Q()
            for column, values in wanted.items():
                condition |= Q(**{f"{column}__any_of": values})
            columns = (*CANDIDATE_COLUMNS, *wanted)
            for values in Person.objects.filter(
                condition, merged_into__isnull=True, erased_at__isnull=True
            ).values_list(*columns):
                person = _candidate(seen, values[: len(CANDIDATE_COLUMNS)])
                for column, value in zip(wanted, values[len(CANDIDATE_COLUMNS) :], strict=True):
                    if value in wanted[column]:
                        found.setdefault((column, value), {})[values[0]] = person
        for row in _people_by_name_in_postcode(names) if names else ():
            found.setdefault(("match_key", row[-1]), {})[row[0]] = _candidate(seen, row[:-1])
    return {key: list(by_pk.values()) for key, by_pk in found.items()}


def _candidate(seen: dict[int, Candidate], values: Sequence[Any]) -> Candidate:
    """The candidate for a row of CANDIDATE_COLUMNS, one object per person however it was found."""
    pk, nhs, given, family, born, postcode, phone, email = values
    known = seen.get(pk)
    if known is None:
        if isinstance(born, str):  # a raw query on SQLite returns the text
            born = dt.date.fromisoformat(born)
        known = seen[pk] = Candidate(
            nhs_number=nhs,
            row=linkage_row(pk, given, family, born, postcode, phone, email),
            exact_key=(Person.key_for(given, family), born, postcode),
            pk=pk,
        )
    return known


def _people_by_name_in_postcode(pairs: set[tuple[str, str]]) -> list[tuple[Any, ...]]:
    """Unmerged people with each (name key, postcode) pair, one index probe a pair: the candidate
    columns, then the name key.

    A query of its own, joined to the pairs: written into the candidate lookup as "any of these names
    and any of these postcodes", it was a condition no index serves, and on a database of 4 million
    people the planner read every person for each chunk of records (0.9-2.2 s, measured).
    """
    meta = Person._meta
    quote = connection.ops.quote_name
    columns = ", ".join(
        "p." + quote(meta.pk.column if name == "pk" else str(meta.get_field(name).column))  # type: ignore[union-attr]
        for name in (*CANDIDATE_COLUMNS, "match_key")
    )
    table = quote(meta.db_table)
    ordered = sorted(pairs)
    if connection.vendor == "postgresql":
        names_sql, names = text_array([name for name, _ in ordered])
        postcodes_sql, postcodes = text_array([postcode for _, postcode in ordered])
        # Only placeholders and the model's own names are spliced in, never values.
        return index_probes(
            f"SELECT {columns} FROM unnest({names_sql}, {postcodes_sql}) AS k (match_key, postcode)"  # noqa: S608
            f" CROSS JOIN LATERAL (SELECT * FROM {table} WHERE match_key = k.match_key AND postcode = k.postcode"
            " AND merged_into_id IS NULL OFFSET 0) AS p",
            [*names, *postcodes],
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM json_each(%s) AS k"  # noqa: S608
            f" JOIN {table} p ON p.match_key = json_extract(k.value, '$[0]')"
            " AND p.postcode = json_extract(k.value, '$[1]') WHERE p.merged_into_id IS NULL",
            [json.dumps(ordered)],
        )
        return cursor.fetchall()


def _known_by_stages(
    records: Sequence[PersonRecord],
) -> tuple[dict[tuple[str, str], list[Candidate]], set[int]]:
    """The known candidates of every record, and the records (by `id`) not found exactly.

    First by every key but the given name within the postcode; then by that too, for the records not found exactly
    (`decide` takes an exact match at once, so more candidates would change nothing for those). Most results are
    of people already known, whose details repeat exactly: they skip the postcode keys, which find a household's
    other members and would cost every record another index probe and their scoring."""
    known = _known_candidates(records, lambda record: record.first_lookup_keys)
    unsure = [record for record in records if not _found_exactly(record, known)]
    for key, people in _known_candidates(unsure, lambda record: record.postcode_lookup_keys).items():
        known[key] = people
    return known, {id(record) for record in unsure}


def _found_exactly(record: PersonRecord, known: dict[tuple[str, str], list[Candidate]]) -> bool:
    if not record.given_name:
        return False
    return any(
        candidate.exact_key == record.exact_key
        and not (record.nhs_number and candidate.nhs_number and candidate.nhs_number != record.nhs_number)
        for key in record.first_lookup_keys
        for candidate in known.get(key, ())
    )


def find_or_create_people(records: Sequence[PersonRecord]) -> list[int]:
    """The id of each record's person, in order; records of one person within the batch share it.

    Call it inside the transaction that writes against the people it returns: no merge runs until that ends.
    """
    hold_off_merges()
    owners = _nhs_owners({r.nhs_number for r in records if r.nhs_number})
    unresolved = [r for r in records if not (r.nhs_number and r.nhs_number in owners)]
    known, unsure = _known_by_stages(unresolved) if unresolved else ({}, set())
    model = current_model() if unresolved else None
    limits = thresholds()

    now = timezone.now()
    ids: list[int | None] = []
    new_rows: list[tuple[object, ...]] = []
    new_slots: dict[int, list[int]] = {}  # index in new_rows → positions in `ids` waiting for it
    pending_nhs: dict[str, int] = {}
    pending: dict[tuple[str, str], list[Candidate]] = {}
    nhs_updates: dict[int, str] = {}
    reviews: list[tuple[Candidate, int, Score]] = []  # (candidate, slot of the new person, score)
    for record in records:
        owner = owners.get(record.nhs_number) if record.nhs_number else None
        if owner is not None:
            ids.append(owner[0])
            continue
        slot = pending_nhs.get(record.nhs_number) if record.nhs_number else None
        if slot is not None:
            new_slots[slot].append(len(ids))
            ids.append(None)
            continue
        candidates: dict[int, Candidate] = {}
        # A record found exactly is that person (see `decide`): its first keys are enough.
        keys = record.lookup_keys if id(record) in unsure else record.first_lookup_keys
        for key in keys:
            for candidate in (*known.get(key, ()), *pending.get(key, ())):
                candidates.setdefault(id(candidate), candidate)
        assert model is not None
        decision = decide(
            model, record, candidates.values(), link_above=limits.link_above, review_above=limits.review_above
        )
        chosen = decision.candidate
        if decision.link and chosen is not None:
            if record.nhs_number and not chosen.nhs_number:
                chosen.nhs_number = record.nhs_number
                if chosen.pk is not None:
                    nhs_updates[chosen.pk] = record.nhs_number
                    owners[record.nhs_number] = (chosen.pk, record.nhs_number)
                else:
                    assert chosen.slot is not None
                    pending_nhs[record.nhs_number] = chosen.slot
            if chosen.pk is not None:
                ids.append(chosen.pk)
            else:
                assert chosen.slot is not None
                new_slots[chosen.slot].append(len(ids))
                ids.append(None)
            continue
        slot = len(new_rows)
        family_dob, given_dob, dob_postcode = blocking_keys(
            record.given_name, record.family_name, record.date_of_birth, record.postcode
        )
        given_postcode = given_postcode_key(record.given_name, record.postcode)
        new_rows.append(
            (
                record.nhs_number, record.given_name, record.family_name, record.date_of_birth, record.sex,
                record.address_line_1, record.postcode, record.phone, record.email, record.preferred_language,
                record.exact_key[0], family_dob, given_dob, dob_postcode, given_postcode, now,
            )
        )  # fmt: skip
        new_slots[slot] = [len(ids)]
        ids.append(None)
        if record.nhs_number:
            pending_nhs[record.nhs_number] = slot
        mine = Candidate(record.nhs_number, record.linkage_row, record.exact_key, slot=slot)
        for key in record.lookup_keys:
            pending.setdefault(key, []).append(mine)
        if chosen is not None and decision.score is not None:
            reviews.append((chosen, slot, decision.score))

    for pk, nhs_number in nhs_updates.items():
        Person.objects.filter(pk=pk, nhs_number="").update(nhs_number=nhs_number)
    new_ids = insert_returning_ids(Person, PERSON_COLUMNS, new_rows)
    for slot, positions in new_slots.items():
        for position in positions:
            ids[position] = new_ids[slot]
    if None in ids:
        raise RuntimeError("A record was left without a person.")
    if reviews:
        _open_reviews(
            [
                (candidate.pk if candidate.pk is not None else new_ids[candidate.slot or 0], new_ids[slot], score)
                for candidate, slot, score in reviews
            ],
            {new_ids[slot]: new_rows[slot][6] for _, slot, _ in reviews},
        )
    return [pk for pk in ids if pk is not None]


# The advisory lock (PostgreSQL) that keeps matching and merging apart; any number no other code uses.
MERGE_LOCK = 7_314_620_001


def hold_off_merges() -> None:
    """Keep people from being merged or unmerged until the caller's transaction ends; matching calls it first.

    Between matching a record and writing its result, case or contact, a data officer may merge the person away.
    The merge cannot see this transaction's rows, so they would be left on the merged record (and Django's
    deferred foreign keys take no lock on the person). Matching takes this lock shared, so intakes never wait
    for each other; a merge takes it exclusively (`merging_alone`), so it waits for the batches in progress,
    and they wait for it, then match against what it did. One call per batch, and nothing is written (locking
    the people's rows instead would write a lock, and its WAL record, to each person matched).
    On SQLite one writer runs at a time (transactions begin IMMEDIATE), so nothing is needed.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [MERGE_LOCK])


def merging_alone() -> None:
    """For a merge or an undo: wait for matching in progress to finish, and keep new matching out, until the
    caller's transaction ends (see `hold_off_merges`)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [MERGE_LOCK])


def _open_reviews(
    pairs: list[tuple[int, int, Score]],
    postcodes: dict[int, Any],
    *,
    source: str = DuplicateReview.Source.INTAKE,
    fallback_area_id: int | None = None,
) -> None:
    """Possible duplicates, routed to the area of the second (newer or changed) record's postcode.

    A pair already in the queue, open or decided, stays as it is.
    """
    from localtrace.areas.models import Postcode

    routes = dict(
        Postcode.objects.filter(postcode__in={p for p in postcodes.values() if p}).values_list(
            "postcode", "upper_tier_id"
        )
    )
    pairs_once = {(min(a, b), max(a, b)): (a, b, s) for a, b, s in pairs if a != b}
    DuplicateReview.objects.bulk_create(
        [
            DuplicateReview(
                first_id=min(a, b),
                second_id=max(a, b),
                area_id=routes.get(postcodes.get(b, "")) or fallback_area_id,
                match_probability=score.match_probability,
                match_weight=score.match_weight,
                levels=score.levels,
                source=source,
            )
            for a, b, score in pairs_once.values()
        ],
        ignore_conflicts=True,
    )


def possible_duplicates_of(person: Person) -> list[tuple[int, Score]]:
    """Known people who may be this one by its details as they are now: (id, score), likeliest first.

    The candidates and the model are intake's, but a person already held is never linked by this: their
    cases and contacts would move. Every pair at or above the review threshold is for a person to decide.
    """
    record = PersonRecord(
        nhs_number=person.nhs_number, given_name=person.given_name, family_name=person.family_name,
        date_of_birth=person.date_of_birth, postcode=person.postcode, phone=person.phone, email=person.email,
    )  # fmt: skip
    model = current_model()
    review_above = thresholds().review_above
    candidates = {c.pk: c for found in _known_candidates([record]).values() for c in found if c.pk != person.pk}
    scored: list[tuple[int, Score]] = []
    for pk, candidate in candidates.items():
        assert pk is not None  # known people, not new ones of a batch
        if person.nhs_number and candidate.nhs_number and candidate.nhs_number != person.nhs_number:
            continue  # two valid NHS numbers: two people
        score = model.score(record.linkage_row, candidate.row)
        if score.plausible() and score.match_probability >= review_above:
            scored.append((pk, score))
    return sorted(scored, key=lambda found: -found[1].match_weight)


def review_after_change(person: Person, *, area_id: int | None) -> int:
    """After a person's details were corrected: their open reviews are scored again, and a new possible
    duplicate goes to the review queue. Returns how many reviews were opened.

    `area_id` is where the change was made, for a pair whose postcode no area holds.
    """
    model = current_model()
    mine = linkage_row(
        person.pk, person.given_name, person.family_name, person.date_of_birth, person.postcode, person.phone,
        person.email,
    )  # fmt: skip
    pairs = list(DuplicateReview.objects.filter(Q(first=person) | Q(second=person)))
    paired = {review.second_id if review.first_id == person.pk else review.first_id for review in pairs}
    reviews = [review for review in pairs if review.status == DuplicateReview.Status.OPEN]
    others = {review.second_id if review.first_id == person.pk else review.first_id for review in reviews}
    seen: dict[int, Candidate] = {}
    for values in Person.objects.filter(pk__in=others).values_list(*CANDIDATE_COLUMNS):
        _candidate(seen, values)
    for review in reviews:
        other = seen[review.second_id if review.first_id == person.pk else review.first_id]
        score = model.score(mine, other.row)
        review.match_probability, review.match_weight, review.levels = (
            score.match_probability, score.match_weight, score.levels,
        )  # fmt: skip
    DuplicateReview.objects.bulk_update(reviews, ["match_probability", "match_weight", "levels"])
    # A pair already in the queue, open or decided, is not asked about again.
    new = [(pk, person.pk, score) for pk, score in possible_duplicates_of(person) if pk not in paired]
    _open_reviews(new, {person.pk: person.postcode}, source=DuplicateReview.Source.CHANGE, fallback_area_id=area_id)
    return len(new)


def find_or_create_person(record: PersonRecord) -> Person:
    return Person.objects.get(pk=find_or_create_people([record])[0])
