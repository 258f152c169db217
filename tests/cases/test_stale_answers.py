"""An answer saved from a page opened before someone else's answer is refused, not allowed to undo it."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from localtrace.support.models import SupportRequest
from tests.personas import World

STALE = "Someone else changed these answers since you opened this page"


def _seen(page: str) -> dict[str, str]:
    """The form's fingerprint of the answers as the page showed them (none on a page without one)."""
    found = re.search(r'name="seen" value="([0-9a-f]+)"', page)
    return {"seen": found.group(1)} if found else {}


def _onset(day: dt.date) -> dict[str, str]:
    return {
        "symptomatic": "yes",
        "onset_date_0": str(day.day),
        "onset_date_1": str(day.month),
        "onset_date_2": str(day.year),
    }


def test_symptoms_saved_from_a_page_opened_before_another_tracers_answer_are_refused(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    url = reverse("cases:symptoms", args=[world.case_a.pk])
    tracer, lead = client_for("tracer_a"), client_for("lead_a")
    as_lead_saw_it = _seen(lead.get(url).content.decode())
    onset = timezone.localdate() - dt.timedelta(days=3)
    assert tracer.post(url, _onset(onset) | _seen(tracer.get(url).content.decode())).status_code == 302
    # The team lead's page was opened before the tracer recorded the onset: "no symptoms" from it would undo it.
    refused = lead.post(url, {"symptomatic": "no"} | as_lead_saw_it)
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page and STALE in page
    world.case_a.refresh_from_db()
    assert (world.case_a.symptomatic, world.case_a.onset_date) == (True, onset)
    # The page shows the answers as they are now, and saves against them.
    assert f'value="{onset.day}"' in page and 'value="yes" checked' in page
    assert lead.post(url, {"symptomatic": "no"} | _seen(page)).status_code == 302
    world.case_a.refresh_from_db()
    assert world.case_a.symptomatic is False


def test_no_symptoms_recorded_since_the_page_was_opened_is_not_overwritten_either(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    # "Not asked yet" and "no symptoms" are two different answers, not both blank.
    url = reverse("cases:symptoms", args=[world.case_a.pk])
    tracer, lead = client_for("tracer_a"), client_for("lead_a")
    as_lead_saw_it = _seen(lead.get(url).content.decode())
    assert tracer.post(url, {"symptomatic": "no"} | _seen(tracer.get(url).content.decode())).status_code == 302
    refused = lead.post(url, _onset(timezone.localdate() - dt.timedelta(days=2)) | as_lead_saw_it)
    assert STALE in refused.content.decode()
    world.case_a.refresh_from_db()
    assert (world.case_a.symptomatic, world.case_a.onset_date) == (False, None)


def test_a_symptoms_form_sent_without_its_fingerprint_changes_nothing(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    url = reverse("cases:symptoms", args=[world.case_a.pk])
    page = client_for("tracer_a").post(url, {"symptomatic": "no"}).content.decode()
    assert "This page was not sent whole" in page
    world.case_a.refresh_from_db()
    assert world.case_a.symptomatic is None


def test_help_to_isolate_saved_from_a_stale_page_does_not_put_back_consent_taken_away(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    url = reverse("cases:support-needs", args=[world.case_a.pk])
    tracer, lead = client_for("tracer_a"), client_for("lead_a")
    first = {"needs": ["food"], "urgent": "no", "consent": "yes"}
    assert tracer.post(url, first | _seen(tracer.get(url).content.decode())).status_code == 302
    as_lead_saw_it = _seen(lead.get(url).content.decode())
    # They call back: they need medicines too, and no longer agree to their details being shared.
    withdrawn = {"needs": ["food", "medicines"], "urgent": "no", "consent": "no"}
    assert tracer.post(url, withdrawn | _seen(tracer.get(url).content.decode())).status_code == 302
    refused = lead.post(url, {"needs": ["food"], "urgent": "yes", "consent": "yes"} | as_lead_saw_it)
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page and STALE in page
    world.case_a.refresh_from_db()
    assert (world.case_a.support_needs, world.case_a.support_urgent, world.case_a.support_consent) == (
        ["food", "medicines"], False, False,
    )  # fmt: skip
    assert not SupportRequest.objects.filter(consent=True).exists()
    assert 'value="medicines" checked' in page


def test_help_to_isolate_for_a_contact_saved_from_a_stale_page_is_refused(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    url = reverse("support:contact-needs", args=[world.contact_a.pk])
    tracer, lead = client_for("tracer_a"), client_for("lead_a")
    as_lead_saw_it = _seen(lead.get(url).content.decode())
    asked = {"needs": ["food"], "urgent": "no", "consent": "no"}
    assert tracer.post(url, asked | _seen(tracer.get(url).content.decode())).status_code == 302
    refused = lead.post(url, {"needs": ["food"], "urgent": "no", "consent": "yes"} | as_lead_saw_it)
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page and STALE in page
    assert not SupportRequest.objects.get().consent
