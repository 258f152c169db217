"""Linking two records of one person (a merge), undoing it, and keeping a pair apart.

A merge moves every row that points at the merged person to the survivor. The relations are
found generically, from every reverse relation on Person (hidden ones included: a foreign key
with related_name="+" is still a foreign key), so an app that adds a model with a Person
foreign key needs no change here. What moved is stored on the Merge, so that undoing it puts
each moved row back, and nothing else.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from localtrace.audit.models import SubjectAccessRequest
from localtrace.audit.services import Action, record
from localtrace.people.matching import merging_alone
from localtrace.people.models import DuplicateReview, Merge, Person

# Survivor fields filled from the merged person when the survivor has none.
FILLABLE_FIELDS = ("nhs_number", "date_of_birth", "address_line_1", "postcode", "phone", "email")
# This app's own bookkeeping about people is not "theirs" to move.
_BOOKKEEPING = (DuplicateReview, Merge, Person)
# The records a data protection officer confirmed for a subject access request stay as confirmed; the copy
# follows a merge by itself (audit/subject_access.py `people_of`).
_NOT_MOVED = (SubjectAccessRequest.people.through,)


class MergeError(ValueError):
    """The merge (or its undoing) cannot be done; nothing was changed."""


def person_relations() -> list[tuple[type[models.Model], Any]]:
    """Every (model, foreign key or one-to-one field) that points at Person, whatever app it is in."""
    found: list[tuple[type[models.Model], Any]] = []
    for relation in Person._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)):
            continue
        model: Any = relation.related_model
        if model in _BOOKKEEPING or model in _NOT_MOVED or model is None:
            continue
        field = relation.field  # type: ignore[union-attr]
        found.append((model, field))
    for relation in Person._meta.get_fields(include_hidden=True):
        if relation.many_to_many and relation.auto_created and not relation.concrete:
            through = relation.through  # type: ignore[union-attr]
            if through in _NOT_MOVED:
                continue
            for field in through._meta.fields:
                if isinstance(field, models.ForeignKey) and field.related_model is Person:
                    found.append((through, field))
    return found


def _label(model: type[models.Model], field: Any) -> str:
    return f"{model._meta.label_lower}.{field.name}"


def _lock_people(first_pk: int, second_pk: int) -> tuple[Person, Person]:
    """Both people, locked in id order (a merge and an undo sharing a person wait for each other, never deadlock)."""
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[first_pk, second_pk]).order_by("pk")}
    if first_pk not in locked or second_pk not in locked:
        raise Person.DoesNotExist("No such person.")
    return locked[first_pk], locked[second_pk]


def _actor(request: HttpRequest | None, actor: Any) -> Any:
    if actor is None and request is not None and request.user.is_authenticated:
        return request.user
    return actor


@transaction.atomic
def merge_people(
    survivor: Person,
    merged: Person,
    *,
    review: DuplicateReview | None = None,
    request: HttpRequest | None = None,
    actor: Any = None,
) -> Merge:
    """Move everything of `merged` to `survivor`; `merged` stays, marked as merged, for undoing."""
    actor = _actor(request, actor)
    if survivor.pk == merged.pk:
        raise MergeError("A person cannot be merged with themself.")
    merging_alone()
    survivor, merged = _lock_people(survivor.pk, merged.pk)
    if review is not None:
        # Locked and read again: another data officer may have decided the pair since this page was loaded.
        review = DuplicateReview.objects.select_for_update().get(pk=review.pk)
        if review.status != DuplicateReview.Status.OPEN:
            raise MergeError("This pair has already been decided.")
    if survivor.merged_into_id or merged.merged_into_id:
        raise MergeError("One of these people has already been merged into another; review the pair again.")
    if survivor.nhs_number and merged.nhs_number and survivor.nhs_number != merged.nhs_number:
        raise MergeError("They have different NHS numbers, so they are different people.")
    moved: dict[str, list[int]] = {}
    try:
        with transaction.atomic():
            for model, field in person_relations():
                manager = model._base_manager
                if field.one_to_one and manager.filter(**{field.attname: survivor.pk}).exists():
                    # One per person (a stop on messages), and the survivor has its own, which now stands for
                    # both: the merged record keeps its own row, which an undo finds in place.
                    continue
                pks = list(manager.filter(**{field.attname: merged.pk}).values_list("pk", flat=True))
                if pks:
                    manager.filter(pk__in=pks).update(**{field.attname: survivor.pk})
                    moved[_label(model, field)] = pks
    except IntegrityError:
        raise MergeError(
            "They cannot be linked: both records are already in one place (for example, both are contacts of "
            "one case), so linking would put the same person there twice. Nothing was changed. Keep them apart "
            "for now and tell the tracer of that case that it names this person twice."
        ) from None
    filled: dict[str, Any] = {}
    for name in FILLABLE_FIELDS:
        if not getattr(survivor, name) and getattr(merged, name):
            filled[name] = getattr(survivor, name)
            setattr(survivor, name, getattr(merged, name))
    if filled:
        survivor.save()
    merged.merged_into = survivor
    merged.save(update_fields=["merged_into"])
    merge = Merge.objects.create(
        survivor=survivor,
        merged=merged,
        review=review,
        moved=moved,
        filled={k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filled.items()},
        merged_by=actor,
    )
    if review is not None:
        review.status = DuplicateReview.Status.LINKED
        review.decided_at = timezone.now()
        review.decided_by = actor
        review.save(update_fields=["status", "decided_at", "decided_by"])
    record(
        Action.CHANGE,
        request=request,
        actor=actor,
        obj=merge,
        area=review.area if review is not None else None,
        detail={
            "event": "people_merged",
            "survivor": survivor.pk,
            "merged": merged.pk,
            "review": review.pk if review else None,
            "rows_moved": {label: len(pks) for label, pks in moved.items()},
            "fields_filled": sorted(filled),
        },
    )
    return merge


@transaction.atomic
def undo_merge(merge: Merge, *, request: HttpRequest | None = None, actor: Any = None) -> Merge:
    """Put every moved row back on the merged person, and keep the pair apart from now on."""
    actor = _actor(request, actor)
    # The two people first, as a merge locks them: a merge of either waits until this is done, and one that
    # committed first is seen by the check below.
    merging_alone()
    survivor, _ = _lock_people(merge.survivor_id, merge.merged_id)
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise MergeError("This merge has already been undone.")
    if (
        Merge.objects.filter(survivor_id=merge.merged_id, undone_at__isnull=True).exists()
        or Merge.objects.filter(merged_id=merge.survivor_id, undone_at__isnull=True).exists()
    ):
        raise MergeError("Another merge depends on this one; undo that first.")
    relations = {_label(model, field): (model, field) for model, field in person_relations()}
    restored: dict[str, int] = {}
    for label, pks in merge.moved.items():
        if label not in relations:
            raise MergeError(f"Rows of {label} were moved but that relation no longer exists.")
        model, field = relations[label]
        restored[label] = model._base_manager.filter(pk__in=pks, **{field.attname: merge.survivor_id}).update(
            **{field.attname: merge.merged_id}
        )
    if merge.filled:
        merged = Person.objects.get(pk=merge.merged_id)
        for name, blank in merge.filled.items():
            # Only a value that is still the one the merge copied goes back to blank: a correction made
            # since (a new number after "wrong number") is the survivor's own and stays.
            if getattr(survivor, name) != getattr(merged, name):
                continue
            person_field: Any = Person._meta.get_field(name)
            setattr(survivor, name, person_field.to_python(blank) if blank else blank)
        survivor.save()
    Person.objects.filter(pk=merge.merged_id).update(merged_into=None)
    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.save(update_fields=["undone_at", "undone_by"])
    review = merge.review
    if review is not None:
        review.status = DuplicateReview.Status.KEPT_APART
        review.decided_at = merge.undone_at
        review.decided_by = actor
        review.save(update_fields=["status", "decided_at", "decided_by"])
    record(
        Action.CHANGE,
        request=request,
        actor=actor,
        obj=merge,
        area=review.area if review is not None else None,
        detail={"event": "merge_undone", "survivor": merge.survivor_id, "merged": merge.merged_id,
                "rows_restored": restored},
    )  # fmt: skip
    return merge


@transaction.atomic
def keep_apart(review: DuplicateReview, *, request: HttpRequest | None = None, actor: Any = None) -> DuplicateReview:
    """Record that the pair are different people, so they are not offered again."""
    actor = _actor(request, actor)
    review = DuplicateReview.objects.select_for_update().get(pk=review.pk)
    if review.status != DuplicateReview.Status.OPEN:
        raise MergeError("This pair has already been decided.")
    review.status = DuplicateReview.Status.KEPT_APART
    review.decided_at = timezone.now()
    review.decided_by = actor
    review.save(update_fields=["status", "decided_at", "decided_by"])
    record(Action.CHANGE, request=request, actor=actor, obj=review, area=review.area,
           detail={"event": "kept_apart", "first": review.first_id, "second": review.second_id})  # fmt: skip
    return review


def link_pair(review: DuplicateReview, *, request: HttpRequest | None = None, actor: Any = None) -> Merge:
    """The reviewer's "same person": the record made first survives."""
    if review.status != DuplicateReview.Status.OPEN:
        raise MergeError("This pair has already been decided.")
    return merge_people(review.first, review.second, review=review, request=request, actor=actor)


def model_label(label: str, count: int = 2) -> str:
    """'cases.case.person' → 'cases', the model's verbose name for people to read; 'case' for a count of 1."""
    app_label, model_name, _ = label.split(".")
    meta = apps.get_model(app_label, model_name)._meta
    return str(meta.verbose_name if count == 1 else meta.verbose_name_plural)
