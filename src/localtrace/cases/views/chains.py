"""Transmission chains: an area's chains with weekly figures, and one chain as a graph and a list."""

from __future__ import annotations

import altair as alt
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from localtrace.accounts.access import get_or_404, scoped
from localtrace.areas.models import Area
from localtrace.audit.services import Action, record
from localtrace.cases import chains
from localtrace.cases.chain_models import ChainState, StoredChain
from localtrace.cases.models import Case
from localtrace.core.charts import Chart, chart

CHAINS_PER_PAGE = 50
WEEKS_SHOWN_OPEN = 12
NAMED, POSSIBLE, UNKNOWN = "Named by another case", "Possible source only", "No known source"


def chains_home(request: HttpRequest) -> HttpResponse:
    """The areas whose chains the user may see; straight to the area when there is one."""
    areas = list(scoped(request.user, "chains.view", Area.objects.all()).order_by("name"))
    if not areas:
        raise Http404
    if len(areas) == 1:
        return redirect("cases:area-chains", areas[0].code)
    return render(request, "cases/chains/choose_area.html", {"areas": areas})


def _weekly_chart(weeks: list[chains.WeekFigures]) -> Chart:
    values = [
        {"week": f"{week.week_start:%-d %b %Y}", "order": order, "source": source, "cases": count}
        for week in weeks
        for order, (source, count) in enumerate(
            [
                (NAMED, week.known_source),
                (POSSIBLE, week.possible_source_only),
                (UNKNOWN, week.cases - week.known_source - week.possible_source_only),
            ]
        )
    ]
    spec = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            x=alt.X("week:O", title="Week beginning (result date)", sort=None),
            y=alt.Y("cases:Q", title="Cases", stack="zero"),
            color=alt.Color(
                "source:N",
                title="Source",
                sort=[NAMED, POSSIBLE, UNKNOWN],
                scale=alt.Scale(range=["#1d70b8", "#f47738", "#b1b4b6"]),
            ),
            order=alt.Order("order:Q"),
        )
        .properties(width="container", height=260)
    )
    rows = [
        [
            f"{w.week_start:%-d %b %Y} ({w.iso_week})",
            w.cases,
            f"{w.known_source} ({w.known_share:.0%})",
            f"{w.possible_source_only} ({w.possible_share:.0%})",
            w.chains_started,
            f"{w.mean_size:.1f}",
            w.largest,
        ]
        for w in weeks
    ]
    return chart(
        "chains-by-week",
        "Cases by week and whether their source is known",
        spec,
        columns=[
            "Week beginning",
            "Cases",
            "Named by another case",
            "Possible source only",
            "Chains started",
            "Mean chain size",
            "Largest chain",
        ],
        rows=rows,
        numeric_columns=[1, 2, 3, 4, 5, 6],
        # A long history's table goes under "Show the data" so the chains list stays near the top.
        collapse_table=len(rows) > WEEKS_SHOWN_OPEN,
        summary=(
            "A bar for each week: the week's cases, split into those named as a contact by another case, "
            "those with only a possible source at a shared place, and those with no known source."
        ),
    )


def area_chains(request: HttpRequest, code: str) -> HttpResponse:
    """The area's chains as the refresh_chains task last stored them (never computed on the request)."""
    area = get_or_404(request.user, "chains.view", Area, code=code)
    state = ChainState.objects.filter(area=area).first()
    # Only chains whose first case is still in this area: a case moved since the last run is not shown here.
    linked = StoredChain.objects.filter(area=area, size__gt=1, first_case__area=area).order_by(
        "-size", "first_result_date", "first_case_id"
    )
    page = Paginator(linked, CHAINS_PER_PAGE).get_page(request.GET.get("page"))
    # The list shows case references and dates, which are about people: the read is audited.
    record(Action.VIEW, request=request, obj=area, area=area, detail={"page": "transmission chains"})
    weeks = chains.stored_weeks(state) if state is not None else []
    return render(
        request,
        "cases/chains/area.html",
        {
            "area": area,
            "state": state,
            "page": page,
            "cases": state.cases if state else 0,
            "chain_count": state.chain_count if state else 0,
            "linked_count": state.linked_count if state else 0,
            "alone": (state.chain_count - state.linked_count) if state else 0,
            "known": state.known_count if state else 0,
            "weekly": _weekly_chart(weeks) if weeks else None,
            "tolerance": chains.SHARED_VISIT_TOLERANCE_DAYS,
        },
    )


def case_chain(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_or_404(request.user, "case.view", Case.objects.select_related("area"), pk=pk)
    state = ChainState.objects.filter(area_id=case.area_id).first()
    chain = chains.stored_chain(case.area_id, case.pk)
    page = chains.chain_page(case.area_id, chain, viewed=case.pk) if chain is not None else None
    record(
        Action.VIEW,
        request=request,
        obj=case,
        area=case.area,
        detail={"page": "transmission chain", "cases": [m.case.pk for m in page.members] if page else [case.pk]},
    )
    return render(
        request,
        "cases/chains/chain.html",
        {
            "case": case,
            "area": case.area,
            "state": state,
            "chain": chain,
            "chain_page": page,
            "graph": page.graph() if page else None,
            "tolerance": chains.SHARED_VISIT_TOLERANCE_DAYS,
        },
    )
