"""Administrators add submitters and issue and revoke their API tokens; the secret is shown once."""

from __future__ import annotations

import re

from django.contrib.messages import get_messages
from django.urls import reverse

from localtrace.audit.models import AuditEvent
from localtrace.results.models import Submitter, SubmitterToken
from localtrace.results.services import import_file
from tests.results.factories import csv_bytes, many_rows
from tests.results_api.conftest import post


def test_administrators_see_submitters_in_the_navigation_and_tracers_do_not(client_for) -> None:
    assert b">Submitters<" in client_for("admin").get("/").content
    assert b">Submitters<" not in client_for("area_lead_a").get("/").content


def test_an_administrator_adds_a_submitter(client_for) -> None:
    client = client_for("admin")
    response = client.post(reverse("submitters:submitter-create"), {"code": " lab-east ", "name": "East laboratory"})
    submitter = Submitter.objects.get(code="LAB-EAST")
    assert response.status_code == 302 and response["Location"] == reverse(
        "submitters:submitter-detail", args=[submitter.pk]
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_type="results.submitter").exists()
    page = client.get(reverse("submitters:submitter-list")).content.decode()
    assert "East laboratory" in page and "LAB-EAST" in page


def test_a_submitter_code_must_be_new_and_well_formed(client_for) -> None:
    Submitter.objects.create(code="LAB-EAST", name="East laboratory")
    client = client_for("admin")
    for code, error in (
        ("lab-east", "There is already a submitter with this source code"),
        ("LAB EAST!", "only capital letters"),
        ("", "Enter the source code"),
    ):
        response = client.post(reverse("submitters:submitter-create"), {"code": code, "name": "Another"})
        assert response.status_code == 200
        page = response.content.decode()
        assert "govuk-error-summary" in page and error in page
    assert Submitter.objects.count() == 1


def test_a_new_token_is_shown_once_and_works_at_once(client_for) -> None:
    submitter = Submitter.objects.create(code="LAB-EAST", name="East laboratory")
    client = client_for("admin")
    form = client.get(reverse("submitters:token-create", args=[submitter.pk]))
    assert form.status_code == 200
    response = client.post(reverse("submitters:token-create", args=[submitter.pk]), {"name": "East LIMS"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    secret = re.search(r'id="api-token">(lt_[A-Za-z0-9_-]+)<', page)[1]  # type: ignore[index]
    assert "It will not be shown again" in page and "govuk-warning-text" in page
    token = SubmitterToken.objects.get(submitter=submitter)
    assert token.name == "East LIMS" and token.created_by is not None and token.created_by.username == "admin"
    assert not [m for m in get_messages(response.wsgi_request) if secret in str(m)]
    # Never again: not on the submitter's page, not in the audit trail.
    detail = client.get(reverse("submitters:submitter-detail", args=[submitter.pk])).content.decode()
    assert secret not in detail and token.prefix in detail and "East LIMS" in detail
    assert not any(secret in str(e.detail) for e in AuditEvent.objects.all())
    assert post(client_for("anonymous"), {"resourceType": "Bundle", "type": "batch"}, secret).status_code == 400


def test_a_token_name_is_required(client_for) -> None:
    submitter = Submitter.objects.create(code="LAB-EAST", name="East laboratory")
    response = client_for("admin").post(reverse("submitters:token-create", args=[submitter.pk]), {"name": ""})
    assert response.status_code == 200 and "Enter what the token is for" in response.content.decode()
    assert not SubmitterToken.objects.exists()


def test_an_administrator_revokes_a_token_and_it_stops_working(client_for) -> None:
    submitter = Submitter.objects.create(code="LAB-EAST", name="East laboratory")
    client = client_for("admin")
    response = client.post(reverse("submitters:token-create", args=[submitter.pk]), {"name": "East LIMS"})
    secret = re.search(r'id="api-token">(lt_[A-Za-z0-9_-]+)<', response.content.decode())[1]  # type: ignore[index]
    token = SubmitterToken.objects.get()
    url = reverse("submitters:token-revoke", args=[submitter.pk, token.pk])
    assert client.get(url, headers={"Accept": "text/html"}).status_code == 302  # to its page: only a form revokes
    token.refresh_from_db()
    assert token.revoked_at is None
    response = client.post(url)
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    revoked = AuditEvent.objects.get(action=AuditEvent.Action.REVOKE, object_id=str(token.pk))
    assert revoked.actor_username == "admin"
    assert post(client_for("anonymous"), {"resourceType": "Bundle", "type": "batch"}, secret).status_code == 401
    detail = client.get(reverse("submitters:submitter-detail", args=[submitter.pk])).content.decode()
    assert "Revoked" in detail


def test_a_token_is_revoked_only_through_its_own_submitter(client_for) -> None:
    east = Submitter.objects.create(code="LAB-EAST", name="East laboratory")
    west = Submitter.objects.create(code="LAB-WEST", name="West laboratory")
    from localtrace.results.tokens import create_token

    token, _ = create_token(east, name="East LIMS")
    response = client_for("admin").post(reverse("submitters:token-revoke", args=[west.pk, token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_api_documentation_is_a_public_page_and_the_openapi_description_names_the_endpoint(client_for) -> None:
    page = client_for("anonymous").get("/api/docs")
    assert page.status_code == 200 and "POST /api/fhir/Bundle" in page.content.decode()
    schema = client_for("anonymous").get("/api/openapi.json").json()
    assert schema["info"] == {"title": "localtrace API", "version": "1", "description": schema["info"]["description"]}
    operation = schema["paths"]["/api/fhir/Bundle"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/fhir+json", "application/json"}
    assert {"200", "400", "401", "413"} <= set(operation["responses"])
    assert any(s.get("scheme") == "bearer" for s in schema["components"]["securitySchemes"].values())


def test_the_source_code_hint_names_underscores_which_the_check_allows(client_for) -> None:
    client = client_for("admin")
    page = client.get(reverse("submitters:submitter-create")).content.decode()
    assert "Capital letters, digits, hyphens and underscores." in page
    client.post(reverse("submitters:submitter-create"), {"code": "LAB_WEST", "name": "West laboratory"})
    assert Submitter.objects.filter(code="LAB_WEST").exists()


def test_a_submitters_page_counts_its_results_that_came_in_a_file_imported_without_naming_it(
    client_for, tmp_path
) -> None:
    submitter = Submitter.objects.create(code="LAB-TEST", name="Test laboratory")
    client = client_for("admin")
    before = client.get(reverse("submitters:submitter-detail", args=[submitter.pk])).content.decode()
    assert "Nothing sent under its name yet" in before and "with the source code LAB-TEST" not in before
    path = tmp_path / "mixed.csv"
    path.write_bytes(csv_bytes(list(many_rows(3))))
    submission = import_file(path)
    assert submission.submitter is None and submission.accepted == 3
    page = client.get(reverse("submitters:submitter-detail", args=[submitter.pk])).content.decode()
    assert "Nothing sent under its name yet" in page
    assert "3 results with the source code LAB-TEST were accepted in all" in page
    listing = client.get(reverse("submitters:submitter-list")).content.decode()
    assert "None under its name" in listing and "data quality report" in listing
