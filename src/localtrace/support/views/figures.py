"""The area lead's support figures: requests by need, time to first contact, outcomes and payments, by area."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from localtrace.accounts.access import scope_for
from localtrace.areas.models import Area, Role
from localtrace.cases.models import SUPPORT_NEEDS
from localtrace.support.figures import support_figures
from localtrace.support.forms import FiguresPeriodForm
from localtrace.support.models import OUTCOMES


def led_areas(user: Any) -> frozenset[int]:
    """The areas whose support figures the user sees: those they lead."""
    return scope_for(user).areas_with({Role.AREA_LEAD})


def figures(request: HttpRequest) -> HttpResponse:
    # Area leads, for the areas they lead; for anyone else the page does not exist.
    areas = list(Area.objects.filter(pk__in=led_areas(request.user)).order_by("name"))
    if not areas:
        raise Http404
    form = FiguresPeriodForm(request.GET or None)
    last = timezone.localdate()
    first = last - dt.timedelta(days=form.days() - 1)
    by_area = support_figures(areas, first, last)
    sections = [
        {
            "area": area,
            "figures": by_area[area.pk],
            "needs": [(SUPPORT_NEEDS[key], n) for key, n in by_area[area.pk].requests_by_need.items()],
            "outcomes": [(label, by_area[area.pk].outcomes.get(key, 0)) for key, label in OUTCOMES],
        }
        for area in areas
    ]
    return render(request, "support/figures.html", {"form": form, "first": first, "last": last, "sections": sections})
