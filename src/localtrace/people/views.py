"""The possible-duplicate review queue: data officers compare two records and link or keep them apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_POST

from localtrace.accounts.access import get_or_404, require_capability, scoped
from localtrace.audit.services import Action, record
from localtrace.people.forms import DecisionForm
from localtrace.people.merging import MergeError, keep_apart, link_pair, model_label, person_relations, undo_merge
from localtrace.people.model import thresholds
from localtrace.people.models import DuplicateReview, Merge, Person

COMPARED_FIELDS = (
    ("given_name", "Given name"), ("family_name", "Family name"), ("date_of_birth", "Date of birth"),
    ("nhs_number", "NHS number"), ("sex", "Sex"), ("address_line_1", "Address"), ("postcode", "Postcode"),
    ("phone", "Phone"), ("email", "Email"), ("preferred_language", "Preferred language"),
)  # fmt: skip


@dataclass(frozen=True)
class ComparedField:
    label: str
    first: str
    second: str

    @property
    def only_one(self) -> bool:
        """One record has the detail and the other does not: nothing to disagree about."""
        return bool(self.first.strip()) != bool(self.second.strip())

    @property
    def differs(self) -> bool:
        return not self.only_one and self.first.strip().casefold() != self.second.strip().casefold()

    @property
    def neither(self) -> bool:
        """Neither record has the detail: that is not agreement."""
        return not self.first.strip() and not self.second.strip()


def why_a_person_decides(review: DuplicateReview) -> tuple[str, str]:
    """Why matching did not link the pair itself, short (for the list) and in full (for the page).

    A high score alone misleads: twins and a father and son share every household detail, which is why
    a pair whose given name or date of birth plainly differs is never linked without a person.
    """
    levels = review.levels or {}
    if levels.get("given_name") == "different":
        return "Given names differ", (
            "Their given names differ, so they may be two people of one household, such as twins or siblings, "
            "whatever else they share."
        )
    if levels.get("date_of_birth") == "different":
        return "Dates of birth differ", (
            "Their dates of birth differ, so they may be two people with one name at one address, such as a "
            "parent and child, whatever else they share."
        )
    if review.source == DuplicateReview.Source.CHANGE:
        return "Details corrected", "A tracer corrected one record's details, and they now look like the other's."
    link_above = thresholds().link_above
    if review.match_probability >= link_above:
        return f"Scored {review.match_probability:.2f}", (
            f"Matching scored them {review.match_probability:.2f}, but left the pair for a person to decide."
        )
    return f"Not sure enough ({review.match_probability:.2f})", (
        f"Matching scored them {review.match_probability:.2f}, short of the {link_above:.2f} it needs "
        "to link two records by itself."
    )


def _shown(person: Person, name: str) -> str:
    value: Any = getattr(person, name)
    if name == "sex":
        return person.get_sex_display() if value != Person.Sex.UNKNOWN else ""
    if name == "date_of_birth":
        return value.strftime("%-d %B %Y") if value else ""
    if name == "preferred_language":
        from localtrace.core.templatetags.localtrace import language

        return language(value)
    return str(value or "")


def _records_of(person: Person) -> list[tuple[str, int]]:
    """How many rows of each kind belong to the person: "1 test result", "3 contacts"."""
    counts = []
    for model, field in person_relations():
        n = model._base_manager.filter(**{field.attname: person.pk}).count()
        if n:
            counts.append((str(model._meta.verbose_name if n == 1 else model._meta.verbose_name_plural), n))
    return counts


def duplicate_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "duplicate.queue")
    status = request.GET.get("status", DuplicateReview.Status.OPEN)
    if status not in DuplicateReview.Status.values:
        status = DuplicateReview.Status.OPEN
    reviews = scoped(request.user, "duplicate.review", DuplicateReview.objects.filter(status=status)).select_related(
        "first", "second", "area"
    )
    page = Paginator(reviews, 50).get_page(request.GET.get("page"))
    for review in page:
        review.why = why_a_person_decides(review)[0]  # type: ignore[attr-defined]
    record(Action.VIEW, request=request, object_type="people.duplicatereview", detail={"ids": [r.pk for r in page]})
    return render(
        request,
        "people/duplicate_list.html",
        {"page": page, "status": status, "statuses": DuplicateReview.Status.choices},
    )


def duplicate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pairs = DuplicateReview.objects.select_related("first", "second", "area", "decided_by")
    review = get_or_404(request.user, "duplicate.review", pairs, pk=pk)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    # A pair decided meanwhile (by another data officer) is refused by the action, and the page says so.
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == DecisionForm.SAME:
                merge = link_pair(review, request=request)
                moved = merge.rows_moved
                messages.success(request, f"Linked: {moved} record{pluralize(moved)} moved to the record made first.")
            else:
                keep_apart(review, request=request)
                messages.success(request, "Kept apart. We will not ask about this pair again.")
        except MergeError as error:
            form.add_error("decision", str(error))
            review.refresh_from_db(fields=["status", "decided_at", "decided_by"])
        else:
            return redirect("people:duplicate-detail", review.pk)
    record(Action.VIEW, request=request, obj=review, area=review.area)
    first, second = review.first, review.second
    compared = [ComparedField(label, _shown(first, name), _shown(second, name)) for name, label in COMPARED_FIELDS]
    active = Merge.objects.filter(review=review, undone_at__isnull=True).select_related("merged_by").first()
    # "1 contact", "2 contacts": each kind of row the link moved to the record made first.
    moved_rows = sorted(
        (model_label(label, len(ids)), len(ids)) for label, ids in (active.moved if active else {}).items()
    )
    return render(
        request,
        "people/duplicate_detail.html",
        {
            "review": review,
            "form": form,
            "compared": compared,
            "differences": sum(c.differs for c in compared),
            "records": (_records_of(first), _records_of(second)),
            "levels": _levels(review),
            "why": why_a_person_decides(review)[1],
            "merge": active,
            "moved": moved_rows,
        },
    )


def _levels(review: DuplicateReview) -> list[tuple[str, str]]:
    from localtrace.people.comparisons import COMPARISONS

    return [(c.description, review.levels.get(c.name, "")) for c in COMPARISONS if review.levels.get(c.name)]


@require_POST
def duplicate_undo(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_or_404(request.user, "duplicate.review", DuplicateReview, pk=pk)
    merge = Merge.objects.filter(review=review, undone_at__isnull=True).first()
    if merge is None:
        messages.error(request, "There is no link to undo for this pair.")
        return redirect("people:duplicate-detail", review.pk)
    try:
        undo_merge(merge, request=request)
    except MergeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Link undone: every record is back where it was, and the pair is kept apart.")
    return redirect("people:duplicate-detail", review.pk)
