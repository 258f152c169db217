"""The "change their details" page, shared by the case and contact pages (rules in people/details.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from localtrace.areas.models import Postcode
from localtrace.audit.services import Action, record
from localtrace.core.forms import shown_as_now
from localtrace.people.details import FIELDS, DetailsError, StaleDetails, change_details, fingerprint
from localtrace.people.forms import PersonDetailsForm

_MAY_BE_HELD_TWICE = (
    "With these details they may be the same person as another record. A team lead will compare the two in "
    "the duplicate review queue, and link them if they are one person."
)


def change_details_page(request: HttpRequest, item: Any, *, back_url: str) -> HttpResponse:
    """`item` is a case or contact the user may see (the caller looked it up through the access module)."""
    person = item.person
    if person.erased_at is not None:
        messages.error(request, "Their details were erased at the end of the retention period; they cannot be changed.")
        return redirect(back_url)
    form = PersonDetailsForm(request.POST if request.method == "POST" else None, initial=_as_now(person))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = change_details(
                person, {name: data[name] for name in FIELDS}, seen=data["seen"], item=item, request=request
            )
        except StaleDetails as error:
            # The page again, with the details as they are now (a read of them) and a fresh fingerprint to save against.
            person.refresh_from_db()
            record(Action.VIEW, request=request, obj=person, area=item.area, detail={"page": "change details"})
            form = shown_as_now(PersonDetailsForm(initial=_as_now(person)), str(error))
        except DetailsError as error:
            form.add_error(None, str(error))
        else:
            labels = changed.labels
            messages.success(request, f"Changed their {', '.join(labels)}." if labels else "Nothing was changed.")
            if changed.possible_duplicates:
                messages.info(request, _MAY_BE_HELD_TWICE)
            if FIELDS["postcode"] in labels:
                _suggest_transfer(request, item, person.postcode)
            return redirect(back_url)
    else:
        record(Action.VIEW, request=request, obj=person, area=item.area, detail={"page": "change details"})
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": "Change their details",
            "caption": f"{item.reference} · {person.full_name}",
            "introduction": "A change here reaches every record of theirs. Their timeline notes which details "
            "changed, and when.",
            "back_url": back_url,
            "button": "Save changes",
        },
    )


def _as_now(person: Any) -> dict[str, Any]:
    return {name: getattr(person, name) for name in FIELDS} | {"seen": fingerprint(person)}


def _suggest_transfer(request: HttpRequest, item: Any, postcode: str) -> None:
    """A new postcode in another area's patch: say so, and leave the transfer to the tracer."""
    area = Postcode.objects.filter(postcode=postcode).values_list("upper_tier_id", "upper_tier__name").first()
    if area is not None and area[0] != item.area_id:
        # Messages may be kept in a cookie: the area's name goes in it, not the postcode.
        messages.info(
            request, f"The new postcode is in {area[1]}. If they live there now, transfer this to {area[1]}'s team."
        )
