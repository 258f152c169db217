"""Administrators' pages for submitters (laboratories and testing providers) and their API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from localtrace.accounts.access import get_or_404, require_capability, scoped
from localtrace.results import tokens
from localtrace.results.forms_submitters import SubmitterForm, TokenForm
from localtrace.results.models import Submission, Submitter, TestResult


def submitter_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "submitter.manage")
    submitters = scoped(request.user, "submitter.view").annotate(
        live_tokens=Count("tokens", filter=Q(tokens__revoked_at__isnull=True), distinct=True),
        last_submission=Max("submissions__created_at"),
    )
    return render(request, "results/submitters/list.html", {"submitters": submitters.order_by("name")})


def submitter_create(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "submitter.manage")
    form = SubmitterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        submitter = tokens.create_submitter(
            code=form.cleaned_data["code"], name=form.cleaned_data["name"], request=request
        )
        messages.success(request, f"{submitter.name} added. Create a token for it to send results.")
        return redirect("submitters:submitter-detail", submitter.pk)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "title": "Add a submitter", "back_url": reverse("submitters:submitter-list")},
    )


def submitter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submitter = get_or_404(request.user, "submitter.view", Submitter, pk=pk)
    submitter_tokens = submitter.tokens.select_related("created_by").order_by("revoked_at", "-created_at")
    submissions = scoped(request.user, "submission.view", Submission.objects.filter(submitter=submitter))
    return render(
        request,
        "results/submitters/detail.html",
        {
            "submitter": submitter,
            "tokens": submitter_tokens,
            "submissions": submissions.order_by("-created_at")[:10],
            # A count over the (source, specimen) unique index: a file mixing sources, or imported without
            # --submitter, carries this source's rows under no submitter, and the page should not say "nothing".
            "results_from_source": TestResult.objects.filter(source_id=submitter.code).count(),
        },
    )


@never_cache
def token_create(request: HttpRequest, pk: int) -> HttpResponse:
    submitter = get_or_404(request.user, "submitter.view", Submitter, pk=pk)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, secret = tokens.create_token(submitter, name=form.cleaned_data["name"], request=request)
        # Shown in this response only: never in a URL, a message or the session.
        return render(
            request, "results/submitters/token_created.html", {"submitter": submitter, "token": token, "secret": secret}
        )
    return render(request, "results/submitters/token_form.html", {"form": form, "submitter": submitter})


@require_POST
def token_revoke(request: HttpRequest, pk: int, token_pk: int) -> HttpResponse:
    submitter = get_or_404(request.user, "submitter.view", Submitter, pk=pk)
    # The token is found only among the submitter's own, which the user may already reach.
    token = get_object_or_404(submitter.tokens.select_related("submitter"), pk=token_pk)
    tokens.revoke_token(token, request=request)
    messages.success(request, f"Token {token.prefix}… ({token.name}) is revoked. It can no longer submit results.")
    return redirect("submitters:submitter-detail", submitter.pk)
