"""A visit recorded in error, taken off its case: a confirm page with the reason (the case's page links here)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from localtrace.accounts.access import get_or_404
from localtrace.cases.investigation import InvestigationError
from localtrace.cases.models import Case
from localtrace.places import services
from localtrace.places.forms import RemoveVisitForm


def visit_remove(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    """Whoever may work the case (and so add its visits) may remove one recorded in error."""
    case = get_or_404(request.user, "case.view", Case.objects.only("pk", "area_id"), pk=case_pk)
    visit = case.visits.select_related("setting").filter(pk=pk).first()
    if visit is None:
        raise Http404
    form = RemoveVisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_visit(visit, reason=form.cleaned_data["reason"], request=request)
        except InvestigationError as error:
            form.add_error("reason", str(error))
        else:
            messages.success(request, f"The visit to {visit.setting.name} on {visit.visited_on:%-d %B} was removed.")
            return redirect("cases:case-detail", case.pk)
    return render(
        request,
        "places/visit_remove.html",
        {"case": case, "visit": visit, "form": form, "back_url": reverse("cases:case-detail", args=[case.pk])},
    )
