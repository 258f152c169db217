"""Playwright in Debian's Chromium, with an axe-core check helper for every page visited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_SOURCE = (Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js").read_text()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _design_system_known_issue(rule: str, node: dict[str, Any]) -> bool:
    """GOV.UK Frontend's radios mark an answer that reveals a question with aria-expanded, which ARIA 1.2 does not
    list for radios. The design system keeps it on purpose, because screen readers announce it
    (alphagov/govuk-frontend#979, a known issue it documents). Only that attribute on those inputs is let through."""
    if rule != "aria-allowed-attr" or not node["html"].startswith('<input class="govuk-radios__input" type="radio"'):
        return False
    values = [value for check in node["all"] + node["any"] for value in check.get("data", {}).get("values", [])]
    return bool(values) and all(value.startswith("aria-expanded=") for value in values)


class Visit:
    """A page plus the checks every visit gets: no console errors (CSP included) and no axe violations."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base_url + path)

    def follow(self, link: Any) -> None:
        """Click a link and wait until its page has arrived, so what comes next reads the new page, not the old one."""
        from urllib.parse import urljoin

        target = urljoin(self.page.url, link.get_attribute("href"))
        link.click()
        self.page.wait_for_url(target)

    def check_accessibility(self) -> None:
        result = self._run_axe()
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in nodes][:3]}"
            for v in result["violations"]
            if (nodes := [n for n in v["nodes"] if not _design_system_known_issue(v["id"], n)])
        ]
        assert not violations, f"axe on {self.page.url}:\n" + "\n".join(violations)
        assert not self.console_errors, f"console errors on {self.page.url}: {self.console_errors}"

    def _run_axe(self) -> Any:
        """axe's results for the page once it has loaded. A click on a link returns before the next page arrives, so a
        run can start on the old document and lose it halfway ("Execution context was destroyed", or a null
        documentElement). Such a run is thrown away and the new page, once loaded, is checked instead."""
        from playwright.sync_api import Error

        for attempt in range(3):
            self.page.wait_for_load_state("load")
            try:
                # Evaluated through the DevTools protocol, so the page's CSP (rightly) does not block it.
                if not self.page.evaluate("typeof window.axe !== 'undefined'"):
                    self.page.evaluate(AXE_SOURCE)
                return self.page.evaluate(
                    "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',"
                    " 'wcag22aa', 'best-practice']}})"
                )
            except Error:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


PASSWORD = "correct horse battery staple"


def code_for_key(key: bytes) -> str:
    """The code an authenticator app shows now for this key."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(key, 30, 0, 6, 0)
    totp.time = time.time()
    return f"{totp.token():06d}"


def sign_in(visit: Visit, user: Any) -> None:
    """Sign in through the real pages: password, then the code from the user's authenticator."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user.set_password(PASSWORD)
    user.save()
    page = visit.page
    visit.goto("/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Security code").fill(code_for_key(TOTPDevice.objects.get(user=user, confirmed=True).bin_key))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(visit.base_url + "/")


@pytest.fixture
def visit(browser: Any, live_server: Any) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield Visit(page, live_server.url)
    context.close()
