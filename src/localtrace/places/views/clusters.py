"""Cluster alerts for team leads and area leads: the list, one cluster, dismiss with a reason, promote."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from localtrace.accounts.access import get_or_404, require_capability, scoped
from localtrace.audit.services import Action, record
from localtrace.cases.models import Case
from localtrace.places.clusters import ClusterError, dismiss
from localtrace.places.forms import DismissForm, PromoteForm
from localtrace.places.models import Cluster, ClusterScan, Outbreak
from localtrace.places.outbreaks import add_to_outbreak, open_outbreak_at, promote

STATUS_FILTERS = {
    "open": Cluster.Status.OPEN,
    "dismissed": Cluster.Status.DISMISSED,
    "promoted": Cluster.Status.PROMOTED,
}


def open_cluster_count(user: object) -> int:
    return scoped(user, "cluster.view", Cluster.objects.filter(status=Cluster.Status.OPEN)).count()


def cluster_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "cluster.alerts")
    shown = request.GET.get("status", "open")
    status = STATUS_FILTERS.get(shown, Cluster.Status.OPEN)
    clusters = list(
        scoped(request.user, "cluster.view", Cluster.objects.filter(status=status)).select_related("setting", "area")[
            :200
        ]
    )
    # A setting already in an open outbreak: its new cluster is more of the same, not a new alert to weigh.
    in_outbreak = {
        (area_id, setting_id): f"OB{outbreak_id}"
        for area_id, setting_id, outbreak_id in Outbreak.settings.through.objects.filter(
            setting_id__in={c.setting_id for c in clusters}
        )
        .exclude(outbreak__status=Outbreak.Status.CLOSED)
        .order_by("outbreak__opened_at", "outbreak_id")  # the newest wins, as on the cluster's page
        .values_list("outbreak__area_id", "setting_id", "outbreak_id")
    }
    for cluster in clusters:
        cluster.in_outbreak = in_outbreak.get((cluster.area_id, cluster.setting_id))  # type: ignore[attr-defined]
    counts = {
        key: scoped(request.user, "cluster.view", Cluster.objects.filter(status=value)).count()
        for key, value in STATUS_FILTERS.items()
    }
    last_scan = ClusterScan.objects.filter(finished_at__isnull=False).first()
    return render(
        request,
        "places/cluster_list.html",
        {"clusters": clusters, "shown": status, "counts": counts, "last_scan": last_scan},
    )


def _cluster(request: HttpRequest, pk: int) -> Cluster:
    return get_or_404(
        request.user, "cluster.view", Cluster.objects.select_related("setting", "area", "outbreak"), pk=pk
    )


def cluster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = _cluster(request, pk)
    cases = list(
        scoped(request.user, "case.view", Case.objects.filter(pk__in=cluster.cases.values("pk")))
        .select_related("person")
        .order_by("specimen_date", "pk")
    )
    visits = {
        case_id: sorted(v for v in visits)
        for case_id, visits in _visits_by_case(cluster, [c.pk for c in cases]).items()
    }
    record(Action.VIEW, request=request, obj=cluster, area=cluster.area, detail={"cases_listed": [c.pk for c in cases]})
    return render(
        request,
        "places/cluster_detail.html",
        {
            "cluster": cluster,
            "rows": [(case, visits.get(case.pk, [])) for case in cases],
            "promote_form": PromoteForm(initial={"name": f"{cluster.setting.name}, {cluster.first_visit_on:%B %Y}"}),
            "open_outbreak": open_outbreak_at(cluster) if cluster.status == Cluster.Status.OPEN else None,
            "dismiss_form": DismissForm(),
        },
    )


def _visits_by_case(cluster: Cluster, case_ids: list[int]) -> dict[int, list[tuple[object, str]]]:
    found: dict[int, list[tuple[object, str]]] = {}
    for case_id, day, direction in cluster.setting.visits.filter(
        case_id__in=case_ids, visited_on__gte=cluster.first_visit_on, visited_on__lte=cluster.last_visit_on
    ).values_list("case_id", "visited_on", "direction"):
        found.setdefault(case_id, []).append((day, direction))
    return found


def cluster_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = _cluster(request, pk)
    form = DismissForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dismiss(cluster, reason=form.cleaned_data["reason"], request=request)
        except ClusterError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Cluster at {cluster.setting.name} dismissed.")
            return redirect("places:cluster-list")
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": "Dismiss this cluster",
            "caption": cluster.explanation,
            "introduction": "It will leave the alerts. If more cases join it later, it will alert again.",
            "back_url": cluster_url(cluster),
            "button": "Dismiss cluster",
        },
    )


def cluster_url(cluster: Cluster) -> str:
    from django.urls import reverse

    return reverse("places:cluster-detail", args=[cluster.pk])


@require_POST
def cluster_add_to_outbreak(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = _cluster(request, pk)
    outbreak = open_outbreak_at(cluster)
    if outbreak is None:
        messages.error(request, "No open outbreak takes in this setting: open a new one, or dismiss the cluster.")
        return redirect("places:cluster-detail", cluster.pk)
    try:
        add_to_outbreak(cluster, outbreak, request=request)
    except ClusterError as error:
        messages.error(request, str(error))
        return redirect("places:cluster-detail", cluster.pk)
    messages.success(request, f"Cluster {cluster.reference} added to outbreak {outbreak.reference}.")
    return redirect("places:outbreak-detail", outbreak.pk)


@require_POST
def cluster_promote(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = _cluster(request, pk)
    form = PromoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter a name for the outbreak.")
        return redirect("places:cluster-detail", cluster.pk)
    try:
        outbreak = promote(cluster, name=form.cleaned_data["name"], request=request)
    except ClusterError as error:
        messages.error(request, str(error))
        return redirect("places:cluster-detail", cluster.pk)
    messages.success(request, f"Outbreak {outbreak.reference} opened.")
    return redirect("places:outbreak-detail", outbreak.pk)
