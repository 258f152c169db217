"""Template filters shared by every page."""

from __future__ import annotations

from localtrace.core.templatetags.localtrace import language


def test_a_language_code_is_shown_with_its_name() -> None:
    assert language("pl") == "Polish (pl)"
    assert language("cy") == "Welsh (cy)"
    assert language("en") == "English (en)"


def test_a_code_django_does_not_know_is_shown_as_it_is_and_none_as_nothing() -> None:
    assert language("yo") == "yo"
    assert language("") == ""
