"""A support officer sees contact details and needs, never clinical details: every page, the export, the API."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from localtrace.support.services import make_claim, record_needs
from tests.permission_matrix import MATRIX
from tests.personas import World
from tests.support_world import support_world


def _clinical(world: World) -> list[str]:
    """Give case A distinctive clinical values and return the ways they could be shown."""
    case = world.case_a
    onset = timezone.localdate() - dt.timedelta(days=6)
    specimen = timezone.localdate() - dt.timedelta(days=3)
    case.symptomatic, case.onset_date, case.specimen_date = True, onset, specimen
    case.priority_reasons = ["Works at Larkspur Nursing Home"]
    case.priority = 1
    case.save()
    result = case.first_result
    result.test_type, result.specimen_id, result.specimen_date = "QX7Z", "SPECIMEN-ZZ91", specimen
    result.save()
    case.refresh_from_db()
    dates = []
    for day in (onset, specimen):
        dates += [day.isoformat(), f"{day.day} {day:%B}", f"{day.day} {day:%b}", f"{day:%d/%m/%Y}"]
    return ["Larkspur", "QX7Z", "SPECIMEN-ZZ91", *dates]


# Words no support page needs (general pages such as the privacy notice may use them).
CLINICAL_WORDS = ["Care home", "symptom", "Symptom", "onset", "positive", "specimen", "Specimen", "Priority"]


# Random tokens on every page (the CSRF token, the CSP nonce) may spell a short value by chance: left out.
_RANDOM_TOKENS = re.compile(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"')


def _leaks(text: str, clinical: list[str]) -> list[str]:
    text = _RANDOM_TOKENS.sub("", text)
    return [value for value in clinical if re.search(rf"(?<![0-9]){re.escape(value)}", text)]


def test_no_page_the_officer_can_reach_shows_a_clinical_detail(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    clinical = _clinical(world)
    support_world(world)
    record_needs(world.case_a, ["money", "wellbeing"], urgent=False, consent=False)
    # A claim against the case too, so the case's isolation is on the payment pages.
    case_claim = make_claim(world.contact_a.case, told_to_isolate=True, low_income=True, cannot_work_from_home=True)
    client = client_for("support_a")
    checked = []
    for name, entry in MATRIX.items():
        if entry.method != "get" or entry.expected("support_a") != 200:
            continue
        url = reverse(name, kwargs=entry.kwargs(world))
        for query in ("", "?show=all", "?show=closed", "?show=urgent", "?show=no_consent"):
            # A claim form for an isolation already claimed for sends the officer back to the request page.
            response = client.get(url + query, follow=True)
            assert response.status_code == 200, url
            body = b"".join(response.streaming_content) if response.streaming else response.content
            leaks = _leaks(body.decode(), clinical + (CLINICAL_WORDS if name.startswith("support:") else []))
            assert not leaks, f"{url}{query} shows {leaks}"
            checked.append(url)
    for extra in (
        reverse("support:claim-detail", args=[case_claim.pk]),
        reverse("support:claim-decide", args=[case_claim.pk]),
    ):
        assert not _leaks(client.get(extra).content.decode(), clinical + CLINICAL_WORDS), extra
    # The claim form itself, which states the isolation it checks, for a record with no claim yet.
    from localtrace.support.models import PaymentClaim, SupportRequest

    PaymentClaim.objects.all().delete()
    for need in SupportRequest.objects.filter(case__isnull=False):
        form = client.get(reverse("support:claim-create", args=[need.pk]))
        assert form.status_code == 200 and "Record the claim" in form.content.decode()
        assert not _leaks(form.content.decode(), clinical + CLINICAL_WORDS)
    assert {reverse("support:queue"), reverse("support:claim-export")} <= set(checked)
    assert len(set(checked)) >= 10


def test_the_case_pages_and_the_api_stay_closed_to_the_officer(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("support_a")
    for url in (
        reverse("cases:case-detail", args=[world.case_a.pk]),
        reverse("cases:symptoms", args=[world.case_a.pk]),
        reverse("contacts:contact-detail", args=[world.contact_a.pk]),
        reverse("cases:queue"),
    ):
        assert client.get(url).status_code == 404, url
    # The API answers only submitters' tokens (its description aside); nothing in it shows the case's record.
    clinical = _clinical(world)
    api_names = [n for n, e in MATRIX.items() if n.startswith("api") and e.method == "get"]
    assert api_names
    for name in api_names:
        response = client.get(reverse(name, kwargs=MATRIX[name].kwargs(world)))
        assert response.status_code in (200, 401, 403, 404), name
        assert not _leaks(response.content.decode(), clinical), name
