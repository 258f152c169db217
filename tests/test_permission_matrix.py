"""Every URL, every persona: the status each receives is the one the matrix says."""

from __future__ import annotations

import copy

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.permission_matrix import LEADERLESS_MATRIX, MATRIX, Entry
from tests.personas import PERSONAS, World


@pytest.fixture
def world(db: None, module_world: World) -> World:
    """The personas' world, built once for the module's 1,500 requests (see tests/conftest.py `module_world`):
    each test gets its own copy of the objects and its changes are rolled back, as with a fresh world."""
    return copy.deepcopy(module_world)


def _url_names(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    resolver = resolver or get_resolver()
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern, inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name is None:
                raise AssertionError(f"The URL {pattern.pattern} has no name, so it cannot be in the matrix.")
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_has_an_entry_in_the_permission_matrix() -> None:
    missing = _url_names() - set(MATRIX)
    assert not missing, f"Add these URLs to tests/permission_matrix.py: {sorted(missing)}"


def test_the_matrix_names_no_url_that_does_not_exist() -> None:
    assert not set(MATRIX) - _url_names()


def _check(entry: Entry, url_name: str, persona: str, world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    url = reverse(url_name, kwargs=entry.kwargs(world))
    client = client_for(persona)
    response = getattr(client, entry.method)(url, entry.data(world))
    expected = entry.expected(persona)
    if expected == "login":
        assert response.status_code == 302, f"{persona} {entry.method.upper()} {url}: {response.status_code}"
        assert response["Location"].startswith(reverse("accounts:sign-in")), response["Location"]
    else:
        assert response.status_code == expected, (
            f"{persona} {entry.method.upper()} {url}: expected {expected}, got {response.status_code}"
        )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_persona_gets_the_expected_status(url_name: str, persona: str, world, client_for) -> None:  # type: ignore[no-untyped-def]
    _check(MATRIX[url_name], url_name, persona, world, client_for)


def test_every_leaderless_case_names_a_url_that_exists() -> None:
    for variant in LEADERLESS_MATRIX.values():
        assert not set(variant.matrix) - _url_names()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "variant, url_name", [(name, url) for name, variant in LEADERLESS_MATRIX.items() for url in sorted(variant.matrix)]
)
def test_persona_gets_the_expected_status_in_an_area_with_nobody_to_lead_it(
    variant: str, url_name: str, persona: str, world, client_for
) -> None:  # type: ignore[no-untyped-def]
    LEADERLESS_MATRIX[variant].change(world)
    _check(LEADERLESS_MATRIX[variant].matrix[url_name], url_name, persona, world, client_for)
