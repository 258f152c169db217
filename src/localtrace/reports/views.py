"""Staff pages for the performance figures: the index, an area's and a team's dashboards, the national comparison,
and the area lead's line-list exports. Every page reads only the stored weekly figures (no personal data),
except the exports, which are scoped to the area lead's area and audited."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from localtrace.accounts.access import can, get_or_404, require_capability, scoped
from localtrace.areas.models import Area, Delegation, Team
from localtrace.audit.services import Action, record
from localtrace.reports import dashboards, exports, metrics, transparency
from localtrace.reports.models import RollupState

AREA_FIGURES = [f.key for f in metrics.figures() if f.group != "escalation"]
TEAM_FIGURES = [f.key for f in metrics.figures() if f.for_teams]


def _ran_at() -> object:
    return RollupState.objects.filter(pk=1).values_list("ran_at", flat=True).first()


def index(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "reports.view")
    return render(
        request,
        "reports/index.html",
        {
            "areas": scoped(request.user, "report.area").order_by("name"),
            "teams": scoped(request.user, "report.team").order_by("name"),
            "national": can(request.user, "reports.national"),
            "ran_at": _ran_at(),
        },
    )


def area_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_or_404(request.user, "report.area", Area, pk=pk)
    own = dashboards.series(area.name, area_id=area.pk)
    lines = [own]
    parent = area.parent
    while parent is not None:
        lines.append(dashboards.series(parent.name, area_id=parent.pk))
        parent = parent.parent
    local = Team.objects.filter(area=area, kind=Team.Kind.LOCAL)
    surge = Team.objects.filter(pk__in=Delegation.objects.filter(area=area).values("team_id"))
    teams = [dashboards.series(t.name, team_id=t.pk) for t in (local | surge).distinct().order_by("name")]
    charts = [
        dashboards.trend_chart(
            "reached-24h", "Share of cases reached within 24 hours of the result", "cases_reached_24h_share", lines
        ),
        dashboards.trend_chart("received", "Cases received", "cases_received", [own]),
        dashboards.trend_chart("case-hours", "Median hours from result to reached", "case_hours_median", lines),
        dashboards.trend_chart("contacts-reached", "Share of contacts reached", "contacts_reached_share", lines),
        dashboards.trend_chart("told", "Share of people told to isolate within 24 hours", "told_24h_share", lines),
        dashboards.outcomes_chart("case-outcomes", "How the escalation ladder ended for cases", own, "cases"),
        dashboards.outcomes_chart("contact-outcomes", "How the escalation ladder ended for contacts", own, "contacts"),
    ]
    if teams:
        charts.append(dashboards.trend_chart("team-hours", "Median hours from result to reached, by team",
                                             "case_hours_median", teams))  # fmt: skip
    columns, rows = dashboards.figure_table(own, AREA_FIGURES)
    return render(
        request,
        "reports/area.html",
        {
            "area": area,
            "charts": charts,
            "columns": columns,
            "rows": rows,
            "teams": list(
                scoped(request.user, "report.team", Team.objects.filter(pk__in=(local | surge).values("pk")))
            ),
            "may_export": can_export(request, area),
            "week_description": dashboards.week_description(),
            "ran_at": _ran_at(),
        },
    )


def can_export(request: HttpRequest, area: Area) -> bool:
    return scoped(request.user, "export.area").filter(pk=area.pk).exists()


def team_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_or_404(request.user, "report.team", Team, pk=pk)
    own = dashboards.series(team.name, team_id=team.pk)
    charts = [
        dashboards.trend_chart("team-reached", "Cases reached by the team", "cases_reached", [own]),
        dashboards.trend_chart(
            "team-24h",
            "Share of the cases it reached that it reached within 24 hours",
            "cases_reached_24h_of_reached",
            [own],
        ),
        dashboards.trend_chart("team-hours", "Median hours from result to reached", "case_hours_median", [own]),
    ]
    columns, rows = dashboards.figure_table(own, TEAM_FIGURES)
    return render(
        request,
        "reports/team.html",
        {
            "team": team,
            "charts": charts,
            "columns": columns,
            "rows": rows,
            "ran_at": _ran_at(),
            "week_description": dashboards.week_description(),
        },
    )


_NATIONAL_SECTIONS = {"cases": "Cases", "contacts": "Contacts"}
_NATIONAL_REST = "Isolation, self-service and support"


def national(request: HttpRequest) -> HttpResponse:
    """Regions (and nations) and areas side by side for administrators: suppressed counts, rates and medians as
    on the public page, no personal data."""
    require_capability(request.user, "reports.national")
    areas, public_weeks = transparency.build(limit_weeks=12)
    chosen = request.GET.get("week", "")
    week = next((w for w in public_weeks if w.week_start.isoformat() == chosen), None)
    if chosen and week is None:
        raise Http404
    week = week or next((w for w in public_weeks if not w.provisional), public_weeks[0] if public_weeks else None)
    # The region or nation above each area, suppressed so that beside the area rows it gives nothing away.
    region_rows = dashboards.parent_rows(week, areas) if week is not None else []
    keys = [f.key for f in transparency.public_figures()]
    # One table per group of figures (cases, contacts, the rest), so each fits the page rather than scrolling.
    groups: dict[str, list[str]] = {}
    for key in keys:
        group = metrics.get(key).group
        groups.setdefault(_NATIONAL_SECTIONS.get(group, _NATIONAL_REST), []).append(key)
    sections = []
    region_sections = []
    if week is not None:
        for title, group_keys in groups.items():
            rows = [(area, [week.rows[area.code][k].text(metrics.get(k).unit) for k in group_keys]) for area in areas]
            total = [week.rows[transparency.TOTAL][k].text(metrics.get(k).unit) for k in group_keys]
            sections.append((title, [metrics.get(k).title for k in group_keys], rows, total))
            rate_keys = [k for k in group_keys if metrics.get(k).unit != metrics.COUNT]
            if rate_keys:
                region_sections.append((
                    title,
                    [metrics.get(k).title for k in rate_keys],
                    [(r, [cells[k].text(metrics.get(k).unit) for k in rate_keys]) for r, cells in region_rows],
                ))  # fmt: skip
    return render(
        request,
        "reports/national.html",
        {
            "week": week,
            "weeks": public_weeks,
            "sections": sections,
            "region_sections": region_sections,
            "ran_at": _ran_at(),
        },
    )


def export(request: HttpRequest, pk: int, what: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """A line list of the area (cases, contacts or settings) as CSV, XLSX or Parquet; audited."""
    area = get_or_404(request.user, "export.area", Area, pk=pk)
    line_list = exports.LINE_LISTS.get(what)
    if line_list is None or fmt not in exports.FORMATS:
        raise Http404
    record(Action.EXPORT, request=request, object_type=f"reports.{what}", object_id=area.code, area=area,
           detail={"line_list": what, "format": fmt})  # fmt: skip
    filename = f"{what}-{area.code}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    if fmt == "csv":
        return StreamingHttpResponse(
            exports.csv_stream(line_list, area), content_type="text/csv; charset=utf-8", headers=disposition
        )
    handle = exports.write_xlsx(line_list, area) if fmt == "xlsx" else exports.write_parquet(line_list, area)
    file_response = FileResponse(handle, content_type=exports.FORMATS[fmt], as_attachment=True, filename=filename)
    file_response["Cache-Control"] = "no-store"
    return file_response
