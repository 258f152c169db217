"""Portal links: forged, expired, revoked, locked and other people's links all look the same; guesses are limited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from localtrace.audit.models import AuditEvent
from localtrace.portal import services
from localtrace.portal.models import PortalLink
from tests.personas import World

pytestmark = pytest.mark.django_db

DOB = {"date_of_birth_0": "14", "date_of_birth_1": "3", "date_of_birth_2": "1979"}
WRONG = {"date_of_birth_0": "15", "date_of_birth_1": "3", "date_of_birth_2": "1979"}


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> None:
    cache.clear()


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def issued(world: World) -> tuple[PortalLink, str]:
    result = services.issue_link(world.case_a)
    return result.link, path_of(result.url)


def plain_page(client: Client, path: str) -> tuple[int, bytes]:
    response = client.get(path)
    # The CSP nonce differs on every response by design; everything else must be the same.
    return response.status_code, re.sub(rb'nonce="[^"]+"', b"", response.content)


def test_the_token_is_random_long_and_only_its_hash_is_stored(world: World) -> None:
    link, path = issued(world)
    token = path.strip("/").split("/")[-1]
    assert len(token) >= 22  # 128 bits in URL-safe base64
    assert link.token_hash == services.hash_token(token) != token
    assert not PortalLink.objects.filter(token_hash__contains=token).exists()


def test_forged_expired_revoked_and_locked_links_get_the_same_plain_page(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    forged = plain_page(Client(), "/p/" + "A" * 43 + "/")
    expired_link, expired = issued(world)
    PortalLink.objects.filter(pk=expired_link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    revoked_link, revoked = issued(world)
    services.revoke_link(revoked_link, request=_staff_request(world))
    locked_link, locked = issued(world)
    PortalLink.objects.filter(pk=locked_link.pk).update(locked_at=timezone.now())
    pages = {forged, plain_page(Client(), expired), plain_page(Client(), revoked), plain_page(Client(), locked)}
    assert len(pages) == 1
    status, body = pages.pop()
    assert status == 404
    assert b"This link does not work" in body
    assert b"Gwen" not in body and b"Morgan" not in body


def _staff_request(world: World):  # type: ignore[no-untyped-def]
    from django.test import RequestFactory

    request = RequestFactory().post("/")
    request.user = world.users["tracer_a"]
    return request


def test_a_good_link_swaps_the_token_for_the_session_and_asks_for_the_date_of_birth_first(world: World) -> None:
    _link, path = issued(world)
    client = Client()
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/self-service/date-of-birth/"
    assert response["Referrer-Policy"] == "no-referrer"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Gwen" not in page.content and b"Morgan" not in page.content and b"Chapel" not in page.content
    # Nothing personal before the date of birth: the person pages send you back to it.
    from django.urls import reverse

    person_pages = ["home", "case-symptoms", "case-onset", "case-household", "case-contacts", "case-places",
                    "case-support", "case-check", "case-done", "contact-symptom-check", "contact-symptoms-advice",
                    "note", "note-pdf"]  # fmt: skip
    for name in person_pages:
        for method in (client.get, client.post):
            response = method(reverse(f"portal:{name}"))
            assert response.status_code == 302 and response["Location"] == "/self-service/date-of-birth/", name
            assert b"Gwen" not in response.content and b"Morgan" not in response.content
    assert AuditEvent.objects.filter(object_type="portal.portallink", detail__portal="link opened").exists()


def test_the_right_date_of_birth_lets_them_in_and_is_audited(world: World) -> None:
    _, path = issued(world)
    client = Client()
    client.get(path)
    response = client.post("/self-service/date-of-birth/", DOB)
    assert response["Location"] == "/self-service/you/"
    home = client.get("/self-service/you/")
    assert home.status_code == 200 and b"Gwen" in home.content
    assert AuditEvent.objects.filter(detail__portal="date of birth confirmed").count() == 1


def test_repeated_wrong_dates_of_birth_lock_the_link(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PORTAL_DOB_ATTEMPTS = 3
    link, path = issued(world)
    client = Client()
    client.get(path)
    warnings = []
    for _ in range(2):
        response = client.post("/self-service/date-of-birth/", WRONG)
        assert response.status_code == 200 and b"does not match" in response.content
        warnings.append(sorted(set(re.findall(r"You can try \w+ more", response.content.decode()))))
    # Warned before the link locks: "twice more" after the first miss, "once more" after the second.
    assert warnings == [["You can try twice more"], ["You can try once more"]]
    response = client.post("/self-service/date-of-birth/", WRONG)
    assert response.status_code == 404 and b"This link does not work" in response.content
    link.refresh_from_db()
    assert link.locked_at is not None and link.failed_attempts == 3
    # Locked for good: even the right date now gets the plain page, and so does opening it afresh.
    assert Client().get(path).status_code == 404
    assert AuditEvent.objects.filter(detail__portal="date of birth failed").count() == 3
    assert world.case_a.events.filter(kind="portal_link", summary__contains="locked").exists()


def test_one_persons_session_never_opens_another_persons_pages(world: World) -> None:
    contact_link = services.issue_link(world.contact_a) if world.contact_a.person.date_of_birth else None
    assert contact_link is None or contact_link  # contact_a has no date of birth in the personas
    _, path = issued(world)
    client = Client()
    client.get(path)
    client.post("/self-service/date-of-birth/", DOB)
    # The contact's own pages are not this case's: the contact journey answers the plain page.
    assert client.get("/self-service/symptom-check/").status_code == 404


def test_a_contact_without_a_known_date_of_birth_gets_no_link(world: World) -> None:
    with pytest.raises(services.LinkError, match="date of birth"):
        services.issue_link(world.contact_a)


def test_guesses_from_one_address_are_rate_limited(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PORTAL_GUESSES_PER_HOUR = 5
    _, path = issued(world)
    client = Client()
    for _ in range(5):
        client.get("/p/" + "B" * 43 + "/")
    # Even a real link is refused from that address now, with the same plain page.
    response = client.get(path)
    assert response.status_code == 404 and b"This link does not work" in response.content
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.get(path).status_code == 302


def test_real_links_opened_behind_one_shared_address_use_up_nothing(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PORTAL_GUESSES_PER_HOUR = 3
    _, path = issued(world)
    for _ in range(10):  # households behind one mobile network's address, opening their own links
        assert Client().get(path).status_code == 302
    for _ in range(2):  # two wrong guesses: under the limit of three only if the real opens did not count
        assert Client().get("/p/" + "B" * 43 + "/").status_code == 404
    assert Client().get(path).status_code == 302


def test_behind_a_proxy_each_client_is_counted_by_its_own_address(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PORTAL_GUESSES_PER_HOUR = 2
    settings.LOCALTRACE_PROXY_COUNT = 1
    _, path = issued(world)
    for n in range(2):  # a different made-up left-hand entry each time does not escape the count
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.7").get("/p/" + "B" * 43 + "/")
    guesser = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7")
    assert guesser.get(path).status_code == 404
    neighbour = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert neighbour.get(path).status_code == 302  # same proxy, another client


def test_a_brute_force_of_dates_of_birth_stops_at_the_lock(world: World) -> None:
    link, path = issued(world)
    client = Client()
    client.get(path)
    statuses = []
    for day in range(1, 28):
        statuses.append(
            client.post(
                "/self-service/date-of-birth/",
                {"date_of_birth_0": str(day), "date_of_birth_1": "1", "date_of_birth_2": "1980"},
            ).status_code
        )
    assert statuses[:4] == [200] * 4 and set(statuses[4:]) == {404}
    link.refresh_from_db()
    assert link.failed_attempts == 5 and link.locked_at is not None


def test_a_guess_sent_as_the_link_locked_does_not_get_in(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    """Guesses sent at once each load the link while it still works; the ones decided after it locked fail,
    the right date among them too (else 5 attempts would be as many as could be sent at once)."""
    settings.PORTAL_DOB_ATTEMPTS = 5
    link, _ = issued(world)
    as_loaded = services.usable(link.pk)  # by a guess's request, before the others were decided
    assert as_loaded is not None
    PortalLink.objects.filter(pk=link.pk).update(failed_attempts=5, locked_at=timezone.now())
    assert not services.check_date_of_birth(as_loaded, dt.date(1979, 3, 14), request=_staff_request(world))
    link.refresh_from_db()
    assert link.confirmed_at is None and link.locked_at is not None
    # Revoked by staff while the date-of-birth page was open: the same.
    other, _ = issued(world)
    as_loaded = services.usable(other.pk)
    services.revoke_link(other, request=_staff_request(world))
    assert not services.check_date_of_birth(as_loaded, dt.date(1979, 3, 14), request=_staff_request(world))  # type: ignore[arg-type]
    other.refresh_from_db()
    assert other.confirmed_at is None


def test_the_token_is_in_no_later_url_or_page(world: World) -> None:
    _, path = issued(world)
    token = path.strip("/").split("/")[-1]
    client = Client()
    first = client.get(path)
    assert token not in first["Location"]
    page = client.get(first["Location"])
    assert token.encode() not in page.content
    client.post("/self-service/date-of-birth/", DOB)
    assert token.encode() not in client.get("/self-service/you/").content


def test_staff_revoke_a_link_from_the_case_page_and_it_is_audited(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    link, path = issued(world)
    tracer = client_for("tracer_a")
    page = tracer.get(f"/cases/{world.case_a.pk}/")
    assert b"Revoke" in page.content
    assert tracer.post(f"/self-service-links/{link.pk}/revoke/").status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == world.users["tracer_a"]
    assert AuditEvent.objects.filter(action="revoke", object_type="portal.portallink").exists()
    assert Client().get(path).status_code == 404


def test_a_tracer_of_another_area_cannot_revoke(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    link, _ = issued(world)
    assert client_for("tracer_b").post(f"/self-service-links/{link.pk}/revoke/").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


@pytest.mark.parametrize(
    ("forwarded", "remote", "seen"),
    [("203.0.113.7:51234", "10.0.0.1", "203.0.113.7"), ("[2001:db8::1]:443", "10.0.0.1", "2001:db8::1"),
     ("unknown", "10.0.0.1", "10.0.0.1"), ("", "10.0.0.1", "10.0.0.1"), ("not an address", "", None)],
)  # fmt: skip
def test_a_forwarded_address_is_read_as_an_address_or_not_at_all(settings, forwarded: str, remote: str,
                                                                  seen: str | None) -> None:  # fmt: skip
    from django.test import RequestFactory

    from localtrace.audit.services import client_ip

    settings.LOCALTRACE_PROXY_COUNT = 1
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_ip(request) == seen
