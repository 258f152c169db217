"""Administrators manage staff accounts. Staff contact details are shown here and nowhere else."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from localtrace.accounts import services
from localtrace.accounts.access import get_or_404, require_capability, scoped
from localtrace.accounts.forms import MembershipForm, UserForm
from localtrace.accounts.mfa import confirmed_device
from localtrace.accounts.models import RoleGrant, User
from localtrace.areas.models import Membership
from localtrace.audit.services import Action, record
from localtrace.core.forms import shown_as_now

# The search is posted and kept in the session, then the list is shown by a plain address: staff names are
# personal data, and must not travel in URLs, browser history or a server's access log.
USER_SEARCH = "localtrace_user_search"


def _a_or_an(word: str) -> str:
    """The article for a role's name: "an area lead", "a tracer"."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def user_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "user.list")
    if request.method == "POST":
        request.session[USER_SEARCH] = request.POST.get("q", "").strip()[:150]
        return redirect("accounts:user-list")
    if request.GET.get("clear"):
        request.session.pop(USER_SEARCH, None)
        return redirect("accounts:user-list")
    users = scoped(request.user, "user.view", User.objects.all()).order_by("full_name")
    query = request.session.get(USER_SEARCH, "")
    if query:
        users = users.filter(Q(full_name__icontains=query) | Q(username__icontains=query))
    page = Paginator(users.prefetch_related("memberships__team", "role_grants__team"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request, "accounts/user_list.html", {"page": page, "query": query, "for_approval": _for_approval(request.user)}
    )


def _for_approval(administrator: Any) -> list[RoleGrant]:
    return list(services.roles_waiting_for(administrator).select_related("user", "team", "granted_by"))


def user_create(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "user.create")
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_user(request, {f: form.cleaned_data[f] for f in form.Meta.fields})
        except services.AccountRefused as refused:
            form.add_error(refused.field, str(refused))
        else:
            waiting = (
                " Their role across the whole service waits for another administrator to approve it."
                if form.cleaned_data["deployment_role"]
                else ""
            )
            messages.success(
                request, f"Account created. We have emailed {user.full_name} a link to set their password.{waiting}"
            )
            return redirect("accounts:user-detail", user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_or_404(request.user, "user.view", User, pk=pk)
    # Staff contact details are personal data: every read is audited.
    record(Action.VIEW, request=request, obj=person)
    memberships = Membership.objects.filter(user=person).select_related("team__area")
    grants = RoleGrant.objects.filter(user=person).select_related("team__area", "granted_by")
    approvable = set(services.roles_waiting_for(request.user).filter(user=person).values_list("pk", flat=True))
    return render(
        request,
        "accounts/user_detail.html",
        {
            "person": person, "memberships": memberships, "grants": grants, "approvable": approvable,
            "device": confirmed_device(person),
        },
    )  # fmt: skip


def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_or_404(request.user, "user.manage", User, pk=pk)
    if request.method != "POST":
        record(Action.VIEW, request=request, obj=person)  # the form shows their email address and phone number
    form = _edit_form(request, person, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            changed = [name for name in form.changed_data if name != "seen"]
            wanted = form.cleaned_data["deployment_role"]
            saved = services.update_user(request, form.save(commit=False), changed, seen=form.cleaned_data["seen"])
        except services.StaleAccount as refused:
            # The account as it is now, with a fresh fingerprint to save against, and why in the error summary.
            person = User.objects.get(pk=person.pk)
            record(Action.VIEW, request=request, obj=person)
            form = shown_as_now(_edit_form(request, person, None), str(refused))
        except services.SelfGrant as refused:
            form.add_error("deployment_role", str(refused))
        except services.AccountRefused as refused:
            form.add_error(refused.field, str(refused))
        else:
            if "deployment_role" in changed and wanted and saved.deployment_role != wanted:
                messages.success(
                    request,
                    f"Account details saved. {User.DeploymentRole(wanted).label} for the whole service waits for "
                    "another administrator to approve it.",
                )
            else:
                messages.success(request, "Account details saved.")
            return redirect("accounts:user-detail", person.pk)
    return render(request, "accounts/user_form.html", {"form": form, "person": person})


def _edit_form(request: HttpRequest, person: User, data: Any) -> UserForm:
    form = UserForm(data, instance=person, initial={"seen": services.account_fingerprint(person)})
    if person.pk == request.user.pk:
        form.fields["deployment_role"].disabled = True
        form.fields["deployment_role"].help_text = "Another administrator changes your own role."
    return form


def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_or_404(request.user, "user.manage", User, pk=pk)
    if person.pk == request.user.pk:
        messages.error(request, str(services.SelfGrant()))
        return redirect("accounts:user-detail", person.pk)
    if refusal := services.team_role_refusal(person):
        messages.error(request, refusal)
        return redirect("accounts:user-detail", person.pk)
    form = MembershipForm(request.POST if request.method == "POST" else None, user=person)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.give_team_role(request, person, form.cleaned_data["team"], form.cleaned_data["role"])
        except services.AccountRefused as refused:
            form.add_error(refused.field, str(refused))
        else:
            messages.success(
                request,
                f"{grant.description} for {person.full_name} waits for another administrator to approve it. "
                "Until then it gives them nothing.",
            )
            return redirect("accounts:user-detail", person.pk)
    return render(request, "accounts/membership_form.html", {"form": form, "person": person})


@require_POST
def membership_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    person = get_or_404(request.user, "user.manage", User, pk=pk)
    membership = get_object_or_404(Membership.objects.select_related("team__area"), user=person, pk=membership_pk)
    services.remove_membership(request, membership)
    messages.success(request, f"Removed the role {membership.get_role_display().lower()} in {membership.team.name}.")
    return redirect("accounts:user-detail", person.pk)


def _grant(request: HttpRequest, pk: int, grant_pk: int) -> tuple[User, RoleGrant | None]:
    person = get_or_404(request.user, "user.manage", User, pk=pk)
    grant = RoleGrant.objects.select_related("team", "user").filter(user=person, pk=grant_pk).first()
    if grant is None:
        # Decided (approved or withdrawn) by someone else since the page was opened; the page shows what happened.
        messages.error(request, services.ALREADY_DECIDED + ".")
    return person, grant


@require_POST
def role_approve(request: HttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    person, grant = _grant(request, pk, grant_pk)
    if grant is not None:
        try:
            services.approve_role(request, grant)
        except (services.AccountRefused, services.SelfGrant) as refused:
            messages.error(request, str(refused))
        else:
            role = grant.description[:1].lower() + grant.description[1:]
            messages.success(request, f"Approved: {person.full_name} is now {_a_or_an(role)} {role}.")
    return redirect("accounts:user-detail", person.pk)


@require_POST
def role_withdraw(request: HttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    person, grant = _grant(request, pk, grant_pk)
    if grant is not None:
        try:
            services.withdraw_role(request, grant)
        except services.AccountRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"Withdrawn: {grant.description} for {person.full_name} will not take effect.")
    return redirect("accounts:user-detail", person.pk)


@require_POST
def reset_second_factor(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_or_404(request.user, "user.manage", User, pk=pk)
    services.reset_second_factor(request, person)
    messages.success(request, f"{person.full_name} will set up their authenticator app again when they next sign in.")
    return redirect("accounts:user-detail", person.pk)


@require_POST
def send_password_link(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_or_404(request.user, "user.manage", User, pk=pk)
    services.send_password_link(request, person)
    messages.success(request, f"We have emailed {person.full_name} a link to set a new password.")
    return redirect("accounts:user-detail", person.pk)


@require_POST
def set_active(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_or_404(request.user, "user.manage", User, pk=pk)
    if person.pk == request.user.pk:
        messages.error(request, "You cannot deactivate your own account.")
        return redirect("accounts:user-detail", person.pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(request, person, active)
    except services.AccountRefused as refused:
        messages.error(request, str(refused))
        return redirect("accounts:user-detail", person.pk)
    messages.success(request, f"{person.full_name}'s account is now {'active' if active else 'deactivated'}.")
    return redirect("accounts:user-detail", person.pk)
