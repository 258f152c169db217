"""Areas, teams and delegations pages."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from localtrace.accounts.access import can, get_or_404, may, require_capability, scope_for, scoped
from localtrace.areas import services
from localtrace.areas.forms import DelegationForm, PublicPhoneForm, TeamForm
from localtrace.areas.models import Area, Delegation, Membership, Team
from localtrace.core.forms import shown_as_now


def area_list(request: HttpRequest) -> HttpResponse:
    areas = (
        scoped(request.user, "area.view", Area.objects.filter(level=Area.Level.UPPER_TIER))
        .select_related("parent")
        .annotate(
            postcode_count=Count("routed_postcodes", distinct=True),
            district_count=Count("children", filter=Q(children__level=Area.Level.DISTRICT), distinct=True),
        )
        .order_by("name")
    )
    return render(request, "areas/area_list.html", {"areas": areas})


def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = get_or_404(
        request.user, "area.view", Area.objects.select_related("parent"), code=code, level=Area.Level.UPPER_TIER
    )
    districts = (
        area.children.filter(level=Area.Level.DISTRICT).annotate(postcode_count=Count("postcodes")).order_by("name")
    )
    teams = scoped(request.user, "team.view", area.teams.all()).annotate(
        member_count=Count("memberships__user", distinct=True)
    )
    delegations = scoped(request.user, "delegation.view", area.delegations.select_related("team", "granted_by"))
    may_delegate = may(request.user, "area.manage_delegations", area)
    return render(
        request,
        "areas/area_detail.html",
        {
            "area": area,
            "districts": districts,
            "postcode_count": area.routed_postcodes.count(),
            "teams": teams,
            "delegations": delegations[:20],
            # Others see only their own team's grants: "none given" from them would be untrue.
            "sees_every_grant": may_delegate or scope_for(request.user).administrator,
            "may_delegate": may_delegate,
            "may_set_phone": may(request.user, "area.manage_contact", area),
            "now": timezone.now(),
        },
    )


def team_list(request: HttpRequest) -> HttpResponse:
    teams = (
        scoped(request.user, "team.view")
        .select_related("area")
        .annotate(member_count=Count("memberships__user", distinct=True))
        .order_by("kind", "name")
    )
    return render(request, "areas/team_list.html", {"teams": teams, "may_create": can(request.user, "team.create")})


def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_or_404(request.user, "team.view", Team.objects.select_related("area"), pk=pk)
    # Colleagues see each other's names and roles; contact details stay with administrators.
    memberships = Membership.objects.filter(team=team).select_related("user").order_by("user__full_name", "role")
    delegations = scoped(request.user, "delegation.view", team.delegations.select_related("area"))
    return render(
        request,
        "areas/team_detail.html",
        {"team": team, "memberships": memberships, "delegations": delegations[:20], "now": timezone.now()},
    )


def team_create(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "team.create")
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        team = services.create_team(request, form.save(commit=False))
        messages.success(request, f"{team.name} created. Add people to it from their user page.")
        return redirect("areas:team-detail", team.pk)
    return render(
        request, "core/form_page.html", {"form": form, "title": "Add a team", "back_url": reverse("areas:team-list")}
    )


def public_phone(request: HttpRequest, code: str) -> HttpResponse:
    """The area's number for the public, one question on a page."""
    area = get_or_404(request.user, "area.manage_contact", Area, code=code)
    form = PublicPhoneForm(request.POST or None, initial=_public_phone_as_now(area))
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["public_phone"]
        try:
            services.set_public_phone(request, area, number, seen=form.cleaned_data["seen"])
        except services.StalePublicPhone as error:
            # The number as it is now (set_public_phone read it), with a fresh fingerprint to save against.
            form = shown_as_now(PublicPhoneForm(initial=_public_phone_as_now(area)), str(error))
        else:
            messages.success(request, f"{area.name}'s number for the public is {'saved' if number else 'removed'}.")
            return redirect("areas:area-detail", area.code)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": "Phone number for the public",
            "caption": area.name,
            "back_url": reverse("areas:area-detail", args=[area.code]),
            "back_text": f"Back to {area.name}",
            "button": "Save",
        },
    )


def _public_phone_as_now(area: Area) -> dict[str, str]:
    return {"public_phone": area.public_phone, "seen": services.public_phone_fingerprint(area)}


def delegation_create(request: HttpRequest, code: str) -> HttpResponse:
    area = get_or_404(request.user, "area.manage_delegations", Area, code=code)
    form = DelegationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.period()
        try:
            delegation = services.grant_delegation(
                request,
                area=area,
                team=form.cleaned_data["team"],
                starts_at=starts_at,
                ends_at=ends_at,
                reason=form.cleaned_data["reason"],
            )
        except services.DelegationError as error:
            form.add_error(error.field, str(error))
        else:
            starts = "" if delegation.starts_at <= timezone.now() else f" from {delegation.from_text()}"
            messages.success(
                request,
                f"{delegation.team.name} can work {area.name}'s queues{starts} until {delegation.until_text()}.",
            )
            return redirect("areas:area-detail", area.code)
    return render(request, "areas/delegation_form.html", {"form": form, "area": area})


@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = get_or_404(request.user, "delegation.manage", Delegation.objects.select_related("area", "team"), pk=pk)
    revocation = services.revoke_delegation(request, delegation)
    # Said from what is still in force afterwards, so the message is true whatever else the team holds.
    messages.success(request, revocation.message())
    return redirect("areas:area-detail", delegation.area.code)
