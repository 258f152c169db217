"""Audit events name their record as "app.model" and an id; people read "Case C344" or "Payment claim P9"."""

from __future__ import annotations

import functools
import re

from django.apps import apps
from django.db.models import Model

_STAFF_REFERENCE = re.compile(r"[A-Z]+-?\d+")


@functools.cache
def _model(object_type: str) -> type[Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def kinds_without_a_model() -> dict[str, str]:
    """Kinds of record an event can name that no model answers to (a report made on request, not a stored row).

    Each app declares its own as `audit_kinds` on its AppConfig, so the audit trail imports no feature app.
    """
    kinds: dict[str, str] = {}
    for config in apps.get_app_configs():
        kinds.update(getattr(config, "audit_kinds", {}))
    return kinds


def type_label(object_type: str) -> str:
    """ "Case", "Payment claim"; the stored name itself for a type nothing names."""
    model = _model(object_type)
    if model is not None:
        return str(model._meta.verbose_name).capitalize()
    return kinds_without_a_model().get(object_type, object_type)


def record_label(object_type: str, object_id: str) -> str:
    """The record as staff pages name it: its reference where its kind has one (C344, K9, P2), else its id."""
    if not object_type:
        return ""
    model = _model(object_type)
    if model is None or not object_id:
        return f"{type_label(object_type)} {object_id}".strip()
    reference = object_id
    if isinstance(getattr(model, "reference", None), property) and object_id.isdigit():
        # Staff references are worked out from the id alone ("C" + id), so an unsaved instance tells them;
        # a provider's reference ("message-12") is not one staff see.
        theirs = model(pk=int(object_id)).reference  # type: ignore[attr-defined]
        reference = theirs if _STAFF_REFERENCE.fullmatch(theirs) else object_id
    return f"{type_label(object_type)} {reference}"


def type_choices() -> list[tuple[str, str]]:
    """Every kind of record localtrace keeps, for the audit filter, by name."""
    kinds = {
        model._meta.label_lower: type_label(model._meta.label_lower)
        for model in apps.get_models()
        if model.__module__.startswith("localtrace.")
    }
    kinds.update(kinds_without_a_model())
    return sorted(kinds.items(), key=lambda kind: kind[1])
