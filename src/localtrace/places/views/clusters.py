"""Cluster alerts for team leads and area leads: the list, one cluster, dismiss with a reason, promote."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from localtrace.accounts.access import get_or_404, require_capability, scoped
from localtrace.audit.services import Action, record
from localtrace.cases.models import Case
from localtrace.places.clusters import ClusterError, dismiss, mark_reviewed
from localtrace.places.detection import Rule
from localtrace.places.forms import DismissForm, PromoteForm
from localtrace.places.models import Cluster, ClusterScan, Outbreak
from localtrace.places.outbreaks import add_to_outbreak, open_outbreak_at, promote

STATUS_FILTERS = {
    "open": Cluster.Status.OPEN,
    "dismissed": Cluster.Status.DISMISSED,
    "promoted": Cluster.Status.PROMOTED,
}


# What alerts: a new cluster, and a cluster made an outbreak whose new cases joined the outbreak unreviewed.
TO_REVIEW = Q(status=Cluster.Status.OPEN) | Q(status=Cluster.Status.PROMOTED, unreviewed_case_count__gt=0)


def open_cluster_count(user: object) -> int:
    """Clusters to review (the navigation's and home page's alert): new ones, and outbreaks' ones with new cases."""
    return scoped(user, "cluster.view", Cluster.objects.filter(TO_REVIEW)).count()


def grown_cluster_count(user: object) -> int:
    """Of those, clusters made outbreaks whose new cases joined the outbreak since a team lead last looked."""
    return scoped(
        user, "cluster.view", Cluster.objects.filter(status=Cluster.Status.PROMOTED, unreviewed_case_count__gt=0)
    ).count()


def _filter(status: str) -> Q:
    return TO_REVIEW if status == Cluster.Status.OPEN else Q(status=status)


def cluster_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "cluster.alerts")
    shown = request.GET.get("status", "open")
    status = STATUS_FILTERS.get(shown, Cluster.Status.OPEN)
    # "To review" lists what needs a team lead: new clusters, then clusters whose new cases joined their outbreak.
    clusters = list(
        scoped(request.user, "cluster.view", Cluster.objects.filter(_filter(status)))
        .select_related("setting", "area", "outbreak")
        .order_by("-unreviewed_case_count", "-score", "-last_visit_on", "pk")[:200]
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
        key: scoped(request.user, "cluster.view", Cluster.objects.filter(_filter(value))).count()
        for key, value in STATUS_FILTERS.items()
    }
    last_scan = ClusterScan.objects.filter(finished_at__isnull=False).first()
    return render(
        request,
        "places/cluster_list.html",
        {
            "clusters": clusters,
            "shown": status,
            "counts": counts,
            "last_scan": last_scan,
            "window_days": Rule.configured().window_days,
        },
    )


def _cluster(request: HttpRequest, pk: int) -> Cluster:
    return get_or_404(
        request.user, "cluster.view", Cluster.objects.select_related("setting", "area", "outbreak"), pk=pk
    )


def cluster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _cluster_page(request, _cluster(request, pk))


def _cluster_page(request: HttpRequest, cluster: Cluster, *, promote_form: PromoteForm | None = None) -> HttpResponse:
    """The cluster's page; with a promote form that has errors when opening an outbreak was refused."""
    case_ids = list(cluster.cases.values_list("pk", flat=True))
    cases = list(
        scoped(request.user, "case.view", Case.objects.filter(pk__in=case_ids))
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
            # A case of another area that went there is the cluster's too; only its own area's team sees who.
            "cases_elsewhere": len(case_ids) - len(cases),
            "promote_form": promote_form
            or PromoteForm(initial={"name": f"{cluster.setting.name}, {cluster.first_visit_on:%B %Y}"}),
            "form": promote_form,  # the error summary's
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
def cluster_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    """A team lead has seen the cases that joined the cluster's outbreak: the alert goes."""
    cluster = _cluster(request, pk)
    if cluster.unreviewed_case_count:
        mark_reviewed(cluster, request=request)
        messages.success(request, f"Cluster {cluster.reference} reviewed: it no longer alerts.")
    return redirect("places:cluster-detail", cluster.pk)


@require_POST
def cluster_promote(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = _cluster(request, pk)
    form = PromoteForm(request.POST)
    if not form.is_valid():
        # The page again, with the error summary and the name field marked (the design system's pattern).
        return _cluster_page(request, cluster, promote_form=form)
    try:
        outbreak = promote(cluster, name=form.cleaned_data["name"], request=request)
    except ClusterError as error:
        messages.error(request, str(error))
        return redirect("places:cluster-detail", cluster.pk)
    messages.success(request, f"Outbreak {outbreak.reference} opened.")
    return redirect("places:outbreak-detail", outbreak.pk)
