"""The public self-service journeys in a real browser: narrow phone screen, English and Welsh, JavaScript on and off."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from localtrace.contacts.models import Contact, SymptomReport
from localtrace.people.models import Person
from localtrace.portal import services
from tests.browser.conftest import Visit
from tests.personas import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def phone(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Visit]:
    javascript = getattr(request, "param", True)
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    cache.clear()
    visit = Visit(context.new_page(), live_server.url)
    visit.javascript = javascript  # type: ignore[attr-defined]
    yield visit
    context.close()


def open_link(visit: Visit, item: Any) -> None:
    visit.goto(re.sub(r"^https?://[^/]+", "", services.issue_link(item).url))
    # The token is gone from the address bar at once.
    assert visit.page.url.endswith("/self-service/date-of-birth/")


def fill_date(page: Any, field: str, day: dt.date) -> None:
    page.locator(f"#id_{field}_0").fill(str(day.day))
    page.locator(f"#id_{field}_1").fill(str(day.month))
    page.locator(f"#id_{field}_2").fill(str(day.year))


def no_horizontal_scroll(visit: Visit) -> None:
    width = visit.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{visit.page.url} is {width}px wide on a {PHONE['width']}px screen"


def step(visit: Visit) -> None:
    """axe-core and the layout check run in the page, so only where JavaScript is on; the same pages are
    checked in the runs with JavaScript, and the runs without it prove every page works without it."""
    if visit.javascript:  # type: ignore[attr-defined]
        visit.check_accessibility()
        no_horizontal_scroll(visit)


@pytest.mark.parametrize("phone", [False, True], ids=["no-javascript", "javascript"], indirect=True)
def test_a_case_answers_online_in_english(world: World, phone: Visit) -> None:
    case, page = world.case_a, phone.page
    open_link(phone, case)
    step(phone)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    step(phone)
    fill_date(page, "date_of_birth", dt.date(1979, 3, 14))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Your isolation").wait_for()
    step(phone)
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Yes").check()
    step(phone)
    page.get_by_role("button", name="Continue").click()
    fill_date(page, "onset_date", case.specimen_date - dt.timedelta(days=1))
    step(phone)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("First name").fill("Cerys")
    page.get_by_label("Last name").fill("Morgan-Davies")
    page.get_by_role("button", name="Add this person").click()
    # Added, and its Remove button says whom it removes.
    page.get_by_role("button", name="Remove Cerys Morgan-Davies").wait_for()
    step(phone)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Other people you were close to").wait_for()
    page.get_by_label("First name").fill("Alun")
    page.get_by_label("Last name").fill("Price")
    page.get_by_label("Face to face, less than 1 metre away").check()
    fill_date(page, "last_met", timezone.localdate() - dt.timedelta(days=1))
    step(phone)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Places you went").wait_for()
    expect(page.get_by_text("where you may have caught the virus")).to_be_visible()
    page.get_by_label("Name of the place").fill("The Crown")
    page.get_by_label("Pub, restaurant, café or hotel").check()
    fill_date(page, "visited_on", timezone.localdate() - dt.timedelta(days=2))
    step(phone)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Food and essential supplies").check()
    page.get_by_label("No").check()
    page.get_by_label("I agree that my details can be shared").check()
    step(phone)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check your answers before sending them").wait_for()
    step(phone)
    page.get_by_role("button", name="Send your answers").click()
    page.get_by_role("heading", name="Answers sent").wait_for()
    expect(page.get_by_text("Isolate until the end of")).to_be_visible()
    step(phone)
    assert case.contacts.filter(named_online=True).count() == 2
    assert case.events.filter(kind="portal_submitted").exists()


def test_a_case_answers_online_in_welsh(world: World, phone: Visit) -> None:
    case, page = world.case_a, phone.page
    open_link(phone, case)
    page.get_by_role("link", name="Cymraeg").click()
    page.get_by_role("heading", name="Beth yw eich dyddiad geni?").wait_for()
    assert page.url.endswith("/self-service/date-of-birth/")
    step(phone)
    fill_date(page, "date_of_birth", dt.date(1979, 3, 14))
    page.get_by_role("button", name="Parhau").click()
    page.get_by_role("heading", name="Eich cyfnod hunanynysu").wait_for()
    step(phone)
    page.get_by_role("button", name="Dechrau nawr").click()
    page.get_by_label("Nac oes").check()
    page.get_by_role("button", name="Parhau").click()
    page.get_by_role("heading", name="Pobl rydych yn byw gyda nhw").wait_for()
    step(phone)
    page.get_by_role("button", name="Parhau", exact=True).click()
    page.get_by_role("heading", name="Pobl eraill yr oeddech yn agos atynt").wait_for()
    page.get_by_role("button", name="Parhau", exact=True).click()
    page.get_by_role("heading", name="Lleoedd yr aethoch iddynt").wait_for()
    step(phone)
    page.get_by_role("button", name="Parhau", exact=True).click()
    page.get_by_label("Bwyd a nwyddau hanfodol").wait_for()  # the help page, before its own button
    page.get_by_role("button", name="Parhau").click()
    page.get_by_role("heading", name="Gwiriwch eich atebion cyn eu hanfon").wait_for()
    step(phone)
    page.get_by_role("button", name="Anfon eich atebion").click()
    page.get_by_role("heading", name="Atebion wedi’u hanfon").wait_for()
    step(phone)
    # The choice is remembered, and English is one link away.
    page.get_by_role("link", name="English").click()
    page.get_by_role("heading", name="Answers sent").wait_for()
    case.refresh_from_db()
    assert case.symptomatic is False and case.support_needs == []


def contact_with_dob(world: World, language: str) -> Contact:
    person = Person.objects.create(
        given_name="Dafydd", family_name="Rees", date_of_birth=dt.date(1990, 7, 1), phone="+447911222333",
        preferred_language=language,
    )  # fmt: skip
    return Contact.objects.create(
        case=world.case_a, person=person, area=world.area_a, kind=Contact.Kind.CLOSE,
        last_exposure=timezone.localdate() - dt.timedelta(days=2),
        isolation_ends_on=timezone.localdate() + dt.timedelta(days=8), reach_deadline=timezone.now() + dt.timedelta(hours=24),
    )  # fmt: skip


@pytest.mark.parametrize("phone", [False, True], ids=["no-javascript", "javascript"], indirect=True)
def test_a_contact_checks_in_reports_symptoms_and_gets_a_note_in_english(world: World, phone: Visit) -> None:
    contact, page = contact_with_dob(world, "en"), phone.page
    open_link(phone, contact)
    fill_date(page, "date_of_birth", dt.date(1990, 7, 1))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Daily symptom check").wait_for()
    step(phone)
    page.get_by_role("button", name="Tell us how you feel today").click()
    step(phone)
    page.get_by_label("I have symptoms").check()
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Get a test as soon as you can").wait_for()
    step(phone)
    assert SymptomReport.objects.get(contact=contact).has_symptoms
    page.get_by_role("link", name="Back to your isolation page").click()
    page.get_by_role("link", name="Get an isolation note for your employer").click()
    step(phone)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your isolation note (PDF)").click()
    assert download.value.suggested_filename.startswith("isolation-note-N-")


def test_a_contact_checks_in_in_welsh(world: World, phone: Visit) -> None:
    contact, page = contact_with_dob(world, "cy"), phone.page
    open_link(phone, contact)
    page.get_by_role("link", name="Cymraeg").click()
    # The switch reloads the page; a date typed before the Welsh page arrives would be lost with the old one.
    page.get_by_role("button", name="Parhau").wait_for()
    fill_date(page, "date_of_birth", dt.date(1990, 7, 1))
    page.get_by_role("button", name="Parhau").click()
    page.get_by_role("heading", name="Gwiriad symptomau dyddiol").wait_for()
    step(phone)
    page.get_by_role("button", name="Dywedwch wrthym sut rydych yn teimlo heddiw").click()
    page.get_by_label("Does gen i ddim symptomau").check()
    step(phone)
    page.get_by_role("button", name="Anfon").click()
    page.get_by_text("Dywedoch wrthym heddiw nad oes gennych symptomau").wait_for()
    step(phone)
    assert not SymptomReport.objects.get(contact=contact).has_symptoms


@pytest.mark.parametrize("phone", [False, True], ids=["no-javascript", "javascript"], indirect=True)
def test_a_link_that_does_not_work_says_nothing_more(world: World, phone: Visit) -> None:
    response = phone.goto("/p/" + "x" * 43 + "/")
    phone.page.get_by_role("heading", name="This link does not work").wait_for()
    assert response.status == 404
    # The browser logs the page's own 404 status as an error; that status is intended.
    phone.console_errors = [e for e in phone.console_errors if "status of 404" not in e]
    step(phone)


def test_the_footer_pages_follow_the_chosen_language_on_a_phone(world: World, phone: Visit) -> None:
    page = phone.page
    open_link(phone, world.case_a)
    page.get_by_role("link", name="Cymraeg").click()
    page.get_by_role("button", name="Parhau").wait_for()
    for name, heading in [
        ("Datganiad hygyrchedd", "Datganiad hygyrchedd ar gyfer Profi, olrhain a hunanynysu"),
        ("Hysbysiad preifatrwydd", "Hysbysiad preifatrwydd"),
        ("Cwcis", "Cwcis"),
    ]:
        page.get_by_role("contentinfo").get_by_role("link", name=name).click()
        page.get_by_role("heading", name=heading, level=1).wait_for()
        assert page.locator("html").get_attribute("lang") == "cy"
        step(phone)
    page.get_by_role("link", name="English").click()
    page.get_by_role("heading", name="Cookies", level=1).wait_for()
    step(phone)
