"""Administrators search staff by name without the name ever travelling in a URL."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_search_is_posted_kept_for_the_list_and_cleared(world, client_for) -> None:
    client = client_for("admin")
    url = reverse("accounts:user-list")
    # A name in the address is not a search.
    assert "Tracer B" in client.get(url, {"q": "Tracer A"}).content.decode()

    response = client.post(url, {"q": "tracer a"})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "Tracer A" in page and "Tracer B" not in page and 'value="tracer a"' in page
    assert "Clear the search" in page

    cleared = client.get(url, {"clear": "1"})
    assert cleared["Location"] == url
    assert "Tracer B" in client.get(url).content.decode()


def test_only_administrators_may_search(world, client_for) -> None:
    assert client_for("lead_a").post(reverse("accounts:user-list"), {"q": "Tracer"}).status_code == 404


def test_a_search_that_matches_nobody_says_so_instead_of_an_empty_table(world, client_for) -> None:
    client = client_for("admin")
    url = reverse("accounts:user-list")
    client.post(url, {"q": "<zzz>"})
    page = client.get(url).content.decode()
    assert "No users match ‘&lt;zzz&gt;’." in page and "<zzz>" not in page
    assert "0 users" not in page and "govuk-table" not in page
