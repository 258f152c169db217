"""Find a person's case or contact record (rules in people/search.py). The search is posted: no names in URLs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from localtrace.accounts.access import require_capability
from localtrace.audit.services import Action, record
from localtrace.people.forms import FindForm
from localtrace.people.search import MAX_RECORDS, SearchError, find


def find_person(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "case.queue")
    form = FindForm(request.POST if request.method == "POST" else None)
    found = None
    if request.method == "POST" and form.is_valid():
        try:
            found = find(request.user, form.cleaned_data["query"], form.cleaned_data["date_of_birth"])
        except SearchError as error:
            form.add_error("query", str(error))
        else:
            # Each record listed is a read of someone's details; what was typed is not kept.
            for result in found:
                record(
                    Action.VIEW,
                    request=request,
                    obj=result.item,
                    area=result.item.area,
                    detail={"found_by": result.why},
                )
    return render(request, "people/find.html", {"form": form, "found": found, "most": MAX_RECORDS})
