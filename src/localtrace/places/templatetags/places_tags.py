"""Template tags of the places app: the home page's outbreak alerts."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def cluster_alerts(user: Any, to_review: int) -> dict[str, int]:
    """The home page's alert, split: new clusters, and clusters made outbreaks whose new cases joined them.

    `to_review` is both together (`places.views.clusters.open_cluster_count`, as the navigation counts them).
    """
    from localtrace.places.views.clusters import grown_cluster_count

    grown = grown_cluster_count(user) if to_review else 0
    return {"new": to_review - grown, "grown": grown}
