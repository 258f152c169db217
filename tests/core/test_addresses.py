"""Addresses worked out once per process are the ones `reverse` gives, mount point included."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from localtrace.core.addresses import address, addresses_of


@pytest.mark.parametrize("pk", [1, 42, 987654321, 10**12])
def test_an_address_with_a_key_is_what_reverse_gives(pk: int) -> None:
    assert address("cases:case-detail", pk) == reverse("cases:case-detail", args=[pk])
    assert address("contacts:contact-detail", pk) == reverse("contacts:contact-detail", args=[pk])


def test_many_addresses_of_one_page_are_what_reverse_gives() -> None:
    url_of = addresses_of("cases:case-detail")
    assert [url_of(pk) for pk in (1, 2, 30)] == [reverse("cases:case-detail", args=[pk]) for pk in (1, 2, 30)]


def test_an_address_without_a_key_is_what_reverse_gives() -> None:
    assert address("cases:queue") == reverse("cases:queue")


def test_a_service_mounted_under_a_path_gets_addresses_under_it() -> None:
    try:
        set_script_prefix("/tracing/")
        assert address("cases:case-detail", 7) == "/tracing/cases/7/" == reverse("cases:case-detail", args=[7])
        assert address("cases:queue") == "/tracing/cases/"
    finally:
        set_script_prefix("/")
    assert address("cases:queue") == "/cases/"


def test_a_key_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError):
        address("cases:case-detail", "1/../../admin")  # type: ignore[arg-type]


def test_a_page_without_a_key_given_one_is_refused() -> None:
    with pytest.raises(NoReverseMatch):
        address("cases:queue", 3)


def test_the_template_tag_gives_the_same_address() -> None:
    html = Template("{% load localtrace %}{% address 'cases:case-detail' pk %}|{% address 'cases:queue' as q %}{{ q }}")
    assert html.render(Context({"pk": 5})) == "/cases/5/|/cases/"
