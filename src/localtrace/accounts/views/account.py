"""The signed-in user's own account: who they are, their roles, their sign-in security."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from localtrace.accounts import mfa
from localtrace.accounts.access import acting_user
from localtrace.accounts.forms import GovukPasswordChangeForm
from localtrace.areas.models import Membership
from localtrace.audit.services import Action, record


def account(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    memberships = Membership.objects.filter(user=user).select_related("team__area")
    device = mfa.confirmed_device(user)
    return render(request, "accounts/account.html", {"memberships": memberships, "device": device})


def change_password(request: HttpRequest) -> HttpResponse:
    form = GovukPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        record(Action.PASSWORD_CHANGED, request=request, obj=user)
        messages.success(request, "Your password has been changed.")
        return redirect("accounts:account")
    return render(request, "accounts/change_password.html", {"form": form})
