"""Two team leads merging settings at the same moment: the second is told why, never shown an error page."""

from __future__ import annotations

from typing import Any
from unittest import mock

from django.urls import reverse

from localtrace.places import services
from localtrace.places.models import Setting
from tests.personas import World
from tests.places.helpers import new_setting


def test_a_merge_confirmed_as_another_lead_merges_the_kept_setting_says_so(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    keep, duplicate = new_setting(world, "The Crown"), new_setting(world, "The Crown Pub")
    elsewhere = new_setting(world, "Crown Inn")
    real_merge = services.merge_settings

    def another_lead_first(duplicate_: Setting, keep_: Setting, **kwargs: Any) -> Any:
        # Between this page's check and its merge, another team lead merges the kept setting elsewhere.
        real_merge(keep_, elsewhere, actor=world.users["area_lead_a"])
        return real_merge(duplicate_, keep_, **kwargs)

    url = reverse("places:setting-merge", args=[duplicate.pk])
    with mock.patch.object(services, "merge_settings", another_lead_first):
        response = client_for("lead_a").post(url, {"keep": str(keep.pk), "confirmed": "yes"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "One of these settings has already been merged" in page
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
