"""Every staff page a role reaches from its home page fits a 320 px phone and passes axe.

The demo's working day gives the pages real rows (queues, outbox, support, clusters, submissions), and a
crawl from each role's home page follows the links a user can follow, one page per kind of address, so a
new page is checked without anyone listing it here. A kind of page one role has shown is not crawled again
for the next role (each role's home page is).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from localtrace.accounts.models import User
from localtrace.reports.rollup import refresh
from tests.browser.conftest import Visit, sign_in
from tests.demo.test_working_day import play, simulation  # noqa: F401  (the module's simulation fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The layout does not depend on the database, and the crawl takes a minute and a half: once is enough.
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="page layout is the same on PostgreSQL; run once, for time"
    ),
]

PHONE = {"width": 320, "height": 800}
# Between them these roles reach every family of staff pages: the area lead the cases, contacts, places,
# chains, performance and results pages; the administrator users, teams, submitters and the national figures;
# the support officer the support queue; the DPO the audit trail and subject access; the surge tracer the surge home page.
ROLES = ("director.a", "admin", "support.a", "dpo", "surge.tracer")
# Links that leave the pages (downloads, the API, signing out) are not pages to look at.
NOT_PAGES = re.compile(r"sign-out|\.csv|\.json|\.html|export|download|/api/|/static/|/p/")
PAGES_PER_ROLE = 80


def kind_of_address(path: str) -> str:
    """The same page with another object or query is the same kind of page: /cases/12/ and /cases/31/."""
    return re.sub(r"\d+", "N", path.split("?")[0])


def wider_than_the_screen(page: Any) -> list[str]:
    """The outermost elements that stick out of the screen, when the page scrolls sideways."""
    return page.evaluate(
        """() => {
          if (document.documentElement.scrollWidth <= innerWidth) return []
          const outermost = [...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > innerWidth && el.parentElement.getBoundingClientRect().right <= innerWidth)
            .slice(0, 3)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)} px)`)
          return [`the page is ${document.documentElement.scrollWidth} px wide`, ...outermost]
        }"""
    )


def crawl(visit: Visit, seen_kinds: set[str]) -> list[str]:
    """Visit each kind of page reachable from home not seen before (adding it to seen_kinds); say what was wrong."""
    page = visit.page
    queue, problems, visited = ["/"], [], 0
    while queue and visited < PAGES_PER_ROLE:
        path = queue.pop(0)
        if kind_of_address(path) in seen_kinds and path != "/":
            continue
        seen_kinds.add(kind_of_address(path))
        response = visit.goto(path)
        visited += 1
        if response.status != 200:
            problems.append(f"{path}: status {response.status}")
            continue
        visit.check_accessibility()
        wide = wider_than_the_screen(page)
        if wide:
            problems.append(f"{path}: wider than a phone: {wide}")
        for href in page.eval_on_selector_all("a[href^='/']", "links => links.map((a) => a.getAttribute('href'))"):
            href = href.split("#")[0]
            if href and not NOT_PAGES.search(href) and kind_of_address(href) not in seen_kinds:
                queue.append(href)
    return problems


def test_every_page_each_role_reaches_fits_a_phone_and_passes_axe(
    browser: Any,
    live_server: Any,
    simulation: Path,  # noqa: F811
    settings: Any,
) -> None:
    # The demo's accounts sign in only in demo mode (outside it their published password is refused), and the
    # pages are looked at as the demo shows them, banner and all.
    settings.DEMO = True
    play(simulation)
    refresh()
    seen_kinds: set[str] = set()
    for username in ROLES:
        user = User.objects.get(username=username)
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
        context = browser.new_context(viewport=PHONE)
        visit = Visit(context.new_page(), live_server.url)
        sign_in(visit, user)
        problems = crawl(visit, seen_kinds)
        context.close()
        assert not problems, f"{username}:\n" + "\n".join(problems)
    # A floor, so that a crawl stopped short (a sign-in gone wrong, links no longer found) cannot pass.
    assert len(seen_kinds) >= 50, sorted(seen_kinds)
    # The demo's subject access request takes the DPO through its steps' pages.
    assert {"/audit/subject-access/N/", "/audit/subject-access/N/records/"} <= seen_kinds, sorted(seen_kinds)
