"""Permission-matrix entries for settings, clusters and outbreaks (merged into MATRIX).

The register of settings is for everyone who traces in the area; editing and merging settings,
cluster alerts and managing outbreaks are for the area's team leads and area leads; tracers
(and surge tracers while delegated) read outbreaks. Support officers, administrators and the data
protection officer hold no tracing role, so none of it exists for them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from localtrace.places.models import Cluster, Outbreak, OutbreakTask, Setting
from tests.permission_matrix import AREA_A_TRACING, TRACERS, Entry, only
from tests.personas import World

LEADS_A = ("lead_a", "area_lead_a")


def _setting(world: World) -> Setting:
    setting, _ = Setting.objects.get_or_create(
        area=world.area_a,
        name="The Matrix Arms",
        kind=Setting.Kind.HOSPITALITY,
        defaults={"postcode": "FX1 2AB", "manager_email": "landlord@example.org"},  # so its manager can be told
    )
    return setting


def _cluster(world: World) -> Cluster:
    cluster = Cluster.objects.filter(setting=_setting(world)).first()
    if cluster is None:
        day = world.case_a.specimen_date - dt.timedelta(days=5)
        cluster = Cluster.objects.create(
            area=world.area_a, setting=_setting(world), first_visit_on=day, last_visit_on=day, case_count=2,
            household_count=2, backward_case_count=1, score=3, explanation="2 cases from 2 households visited it",
        )  # fmt: skip
        cluster.cases.add(world.case_a)
    return cluster


def _outbreak(world: World) -> Outbreak:
    outbreak = Outbreak.objects.filter(area=world.area_a).first()
    if outbreak is None:
        outbreak = Outbreak.objects.create(area=world.area_a, name="Matrix outbreak", opened_by=world.users["lead_a"])
        outbreak.settings.add(_setting(world))
        outbreak.cases.add(world.case_a)
    return outbreak


def _task(world: World) -> dict[str, Any]:
    outbreak = _outbreak(world)
    task = outbreak.tasks.first() or OutbreakTask.objects.create(
        outbreak=outbreak, kind=OutbreakTask.Kind.ACTION, text="Visit the site", created_by=world.users["lead_a"]
    )
    return {"pk": outbreak.pk, "task_pk": task.pk}


def _visit(world: World) -> dict[str, Any]:
    from localtrace.config import policy
    from localtrace.places.models import Visit

    day = policy.backward_window(world.case_a.anchor_date).first
    visit, _ = Visit.objects.get_or_create(
        case=world.case_a, setting=_setting(world), visited_on=day, defaults={"direction": Visit.Direction.BACKWARD}
    )
    return {"case_pk": world.case_a.pk, "pk": visit.pk}


PLACES_MATRIX: dict[str, Entry] = {
    "places:setting-list": Entry(only(*TRACERS), notes="each sees only the settings of their areas"),
    "places:setting-add": Entry(only(*LEADS_A)),
    "places:setting-search": Entry(
        only(*AREA_A_TRACING), data=lambda w: {"case": w.case_a.pk, "name": "Matrix"}, notes="for the case's tracers"
    ),
    "places:setting-detail": Entry(only(*AREA_A_TRACING), kwargs=lambda w: {"pk": _setting(w).pk}),
    "places:setting-edit": Entry(only(*LEADS_A), kwargs=lambda w: {"pk": _setting(w).pk}),
    "places:setting-merge": Entry(only(*LEADS_A), kwargs=lambda w: {"pk": _setting(w).pk}),
    "places:cluster-list": Entry(only(*LEADS_A)),
    "places:cluster-detail": Entry(only(*LEADS_A), kwargs=lambda w: {"pk": _cluster(w).pk}),
    "places:cluster-dismiss": Entry(only(*LEADS_A), kwargs=lambda w: {"pk": _cluster(w).pk}),
    "places:cluster-promote": Entry(
        only(*LEADS_A, status=302),
        kwargs=lambda w: {"pk": _cluster(w).pk},
        method="post",
        data=lambda w: {"name": "Matrix Arms, November"},
    ),
    "places:cluster-add-to-outbreak": Entry(
        only(*LEADS_A, status=302), kwargs=lambda w: {"pk": _cluster(w).pk}, method="post"
    ),
    "places:cluster-reviewed": Entry(
        only(*LEADS_A, status=302), kwargs=lambda w: {"pk": _cluster(w).pk}, method="post"
    ),
    "places:visit-remove": Entry(
        only(*AREA_A_TRACING), kwargs=_visit, notes="the case's tracers: the confirm page with the reason"
    ),
    "places:outbreak-list": Entry(only(*TRACERS), notes="each sees only the outbreaks of their areas"),
    "places:outbreak-detail": Entry(only(*AREA_A_TRACING), kwargs=lambda w: {"pk": _outbreak(w).pk}),
    "places:outbreak-task-add": Entry(only(*LEADS_A), kwargs=lambda w: {"pk": _outbreak(w).pk}),
    "places:outbreak-task-done": Entry(only(*LEADS_A, status=302), kwargs=_task, method="post"),
    "places:outbreak-status": Entry(only(*LEADS_A), kwargs=lambda w: {"pk": _outbreak(w).pk}),
    "places:outbreak-message": Entry(only(*LEADS_A), kwargs=lambda w: {"pk": _outbreak(w).pk}),
}
