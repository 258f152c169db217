"""Welsh: the committed catalogue is compiled and complete, and the public pages speak it when chosen."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from localtrace.portal import services
from tests.personas import World

LOCALE = Path(__file__).resolve().parents[2] / "src" / "localtrace" / "locale" / "cy" / "LC_MESSAGES"


def po_entries() -> dict[str, str]:
    """msgid → msgstr from the .po, read plainly (no gettext tools needed)."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries: dict[str, str] = {}

    def unquote(part: str) -> str:
        joined = "".join(re.findall(r'"(.*)"', part))
        return joined.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")

    for match in re.finditer(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', text, re.M):
        entries[unquote(match.group(1))] = unquote(match.group(2))
    entries.pop("", None)
    return entries


def test_every_welsh_string_is_translated_and_the_committed_mo_matches_the_po() -> None:
    entries = po_entries()
    assert len(entries) > 100
    assert not [msgid for msgid, msgstr in entries.items() if not msgstr], "untranslated strings"
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = [msgid for msgid, msgstr in entries.items() if catalogue.gettext(msgid) != msgstr]
    assert not stale, f"django.mo is out of date for {stale[:3]}: compile it (docs/portal.md)"
    assert "fuzzy" not in (LOCALE / "django.po").read_text(encoding="utf-8")


@pytest.mark.django_db
def test_the_public_pages_speak_welsh_when_chosen_and_remember_it(world: World) -> None:
    cache.clear()
    client = Client()
    url = re.sub(r"^https?://[^/]+", "", services.issue_link(world.case_a).url)
    client.get(url)
    english = client.get("/self-service/date-of-birth/").content.decode()
    assert 'lang="en"' in english and "What is your date of birth?" in english and "Cymraeg" in english
    switch = client.get("/self-service/language/cy/?next=/self-service/date-of-birth/")
    assert switch["Location"] == "/self-service/date-of-birth/"
    assert switch.cookies["django_language"].value == "cy"
    welsh = client.get("/self-service/date-of-birth/").content.decode()
    assert 'lang="cy"' in welsh, welsh
    assert "Beth yw eich dyddiad geni?" in welsh, welsh[welsh.index("<main") :]
    assert "Diwrnod" in welsh
    error = client.post("/self-service/date-of-birth/", {"date_of_birth_0": "14"}).content.decode()
    assert "Mae problem" in error and "gynnwys mis a blwyddyn" in error
    client.post(
        "/self-service/date-of-birth/", {"date_of_birth_0": "14", "date_of_birth_1": "3", "date_of_birth_2": "1979"}
    )
    home = client.get("/self-service/you/").content.decode()
    assert "Arhoswch gartref tan ddiwedd" in home
    assert re.search(r"tan ddiwedd dydd (llun|mawrth|mercher|iau|gwener|sadwrn|sul) \d+ ", home.lower())


@pytest.mark.django_db
def test_staff_pages_stay_english_whatever_the_cookie(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    tracer = client_for("tracer_a")
    tracer.cookies["django_language"] = "cy"
    page = tracer.get(f"/cases/{world.case_a.pk}/").content.decode()
    assert 'lang="en"' in page and "Send self-service link" in page


def test_the_language_switch_never_returns_to_a_token_url(client: Client) -> None:
    response = client.get("/self-service/language/cy/?next=/p/some-token/")
    assert response["Location"] == "/self-service/"
    assert client.get("/self-service/language/cy/?next=https://evil.example/")["Location"] == "/self-service/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "english", "welsh"),
    [
        ("/self-service/accessibility/", "Accessibility statement for Test, trace and isolate",
         "Datganiad hygyrchedd ar gyfer Profi, olrhain a hunanynysu"),
        ("/self-service/privacy/", "Why we hold your information", "Pam rydym yn cadw eich gwybodaeth"),
        ("/self-service/cookies/", "Remembers the language you chose", "Yn cofio’r iaith a ddewisoch"),
    ],
)  # fmt: skip
def test_the_footer_pages_of_the_public_pages_speak_the_chosen_language(path: str, english: str, welsh: str) -> None:
    client = Client()
    page = client.get(path).content.decode()
    assert 'lang="en"' in page and english in page
    # Their own layout: the language switch returns here, and the footer links stay on the public pages.
    assert f'href="/self-service/language/cy/?next={path}"' in page
    assert 'href="/self-service/privacy/"' in page and 'href="/privacy/"' not in page
    client.cookies["django_language"] = "cy"
    page = client.get(path).content.decode()
    assert 'lang="cy"' in page and welsh in page and english not in page


@pytest.mark.django_db
def test_the_public_cookies_page_names_every_cookie_the_public_pages_set(world: World) -> None:
    client = Client()
    client.get(re.sub(r"^https?://[^/]+", "", services.issue_link(world.case_a).url))
    client.get("/self-service/language/cy/?next=/self-service/date-of-birth/")
    client.get("/self-service/date-of-birth/")
    page = Client().get("/self-service/cookies/").content.decode()
    assert client.cookies, "the journey set no cookies, so this test would prove nothing"
    for name in client.cookies:
        assert f">{name}<" in page, f"{name} is set by the public pages but not on the cookies page"
    assert "After 30 minutes without using the service" in page
