"""What naming a contact checks: the days they met, whether they still need advice, their address and details."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from localtrace.cases.investigation import InvestigationError, record_symptoms
from localtrace.config import policy
from localtrace.contacts.models import Contact
from localtrace.contacts.services import NamedContact, name_contact
from tests.personas import World

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Read when a test runs, not when the module is imported: a run may cross midnight."""
    return timezone.localdate()


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


def add(client: Client, world: World, *, met: dt.date | None = None, **details: object) -> tuple[int, str]:
    met = met or today()
    data = {"kind": "close", "given_name": "Owain", "family_name": "Pugh", "last_exposure_0": met.day,
            "last_exposure_1": met.month, "last_exposure_2": met.year, **details}  # fmt: skip
    response = client.post(reverse("cases:contact-add", args=[world.case_a.pk]), data)
    return response.status_code, response.content.decode()


def field_error(page: str, field: str, message: str) -> bool:
    """The error is in the summary, linked to the field, and shown on the field itself."""
    return f'<a href="#{field}">{message}' in page and f'id="{field.removesuffix("_0")}-error"' in page


def owains() -> int:
    return Contact.objects.filter(person__family_name="Pugh").count()


def test_a_last_exposure_after_the_case_stopped_being_infectious_is_refused_on_the_field(
    world: World, client_for: Callable[[str], Client]
) -> None:
    # Ill from 15 days ago: infectious until 5 days ago.
    record_symptoms(world.case_a, symptomatic=True, onset_date=days_ago(15))
    last = policy.infectious_period(days_ago(15)).last
    assert last == days_ago(5)
    status, page = add(client_for("tracer_a"), world, met=days_ago(1))
    assert status == 200 and owains() == 0
    assert field_error(page, "id_last_exposure_0", "The last day they were together must be no later than")
    assert f"For someone who still lives with them, enter {last.day} {last:%B}" in page
    # The last infectious day itself is taken, as the page's hint says for someone who still lives with them.
    assert f"For someone they still live with, {last:%A} {last.day} {last:%B}." in page
    assert add(client_for("tracer_a"), world, met=last)[0] == 302


def test_a_contact_whose_isolation_is_already_over_is_refused_with_a_plain_reason(
    world: World, client_for: Callable[[str], Client]
) -> None:
    # Ill from 20 days ago: they met 20 days ago, so a contact's isolation ended 10 days ago.
    record_symptoms(world.case_a, symptomatic=True, onset_date=days_ago(20))
    status, page = add(client_for("tracer_a"), world, met=days_ago(20))
    assert status == 200 and owains() == 0
    assert field_error(page, "id_last_exposure_0", "Their isolation period is already over, so they need no isolation")
    with pytest.raises(InvestigationError, match="isolation period is already over"):
        name_contact(world.case_a, NamedContact("Owain", "Pugh", "close", days_ago(11)), actor=world.users["tracer_a"])
    # Met 10 days ago: their isolation ends at the end of today, so they are still told.
    assert policy.contact_isolation_ends_on(days_ago(10)) == today()
    assert add(client_for("tracer_a"), world, met=days_ago(10))[0] == 302


def test_a_last_exposure_in_the_future_is_an_error_on_the_field(
    world: World, client_for: Callable[[str], Client]
) -> None:
    status, page = add(client_for("tracer_a"), world, met=today() + dt.timedelta(days=1))
    assert status == 200 and owains() == 0
    assert field_error(page, "id_last_exposure_0", "The last time they met must be today or in the past")


def test_a_postcode_that_is_not_one_is_an_error_on_the_field(world: World, client_for: Callable[[str], Client]) -> None:
    status, page = add(client_for("tracer_a"), world, postcode="NOT A PC")
    assert status == 200 and owains() == 0
    assert 'href="#id_postcode"' in page and 'id="id_postcode-error"' in page


def test_a_date_of_birth_in_the_future_is_refused(world: World, client_for: Callable[[str], Client]) -> None:
    born = today() + dt.timedelta(days=400)
    status, page = add(
        client_for("tracer_a"), world, date_of_birth_0=born.day, date_of_birth_1=born.month, date_of_birth_2=born.year
    )
    assert status == 200 and owains() == 0
    assert field_error(page, "id_date_of_birth_0", "Date of birth must be today or in the past")
    with pytest.raises(InvestigationError, match="Date of birth must be today or in the past"):
        name_contact(world.case_a, NamedContact("Owain", "Pugh", "close", today(), date_of_birth=born),
                     actor=world.users["tracer_a"])  # fmt: skip


def test_an_email_address_longer_than_the_record_holds_is_a_form_error(
    world: World, client_for: Callable[[str], Client]
) -> None:
    # A well-formed address of 314 characters (the email check alone allows 320); the record holds 254.
    email = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "com"
    assert len(email) > 254
    status, page = add(client_for("tracer_a"), world, email=email)
    assert status == 200 and owains() == 0
    assert field_error(page, "id_email", "Email address must be 254 characters or fewer")
    with pytest.raises(InvestigationError, match="254 characters or fewer"):
        name_contact(world.case_a, NamedContact("Owain", "Pugh", "close", today(), email=email),
                     actor=world.users["tracer_a"])  # fmt: skip


def test_a_household_member_with_a_postcode_of_their_own_does_not_get_the_cases_street(
    world: World, client_for: Callable[[str], Client]
) -> None:
    status, _ = add(client_for("tracer_a"), world, kind="household", given_name="Ifan",
                    family_name="Morgan-Davies", postcode="GX10 4DG")  # fmt: skip
    assert status == 302
    ifan = Contact.objects.select_related("person").get(case=world.case_a, person__given_name="Ifan")
    assert (ifan.person.address_line_1, ifan.person.postcode) == ("", "GX10 4DG")
    assert ifan.area == world.area_b  # routed by their own postcode


def test_a_household_member_without_a_postcode_gets_the_cases_address(
    world: World, client_for: Callable[[str], Client]
) -> None:
    status, _ = add(client_for("tracer_a"), world, kind="household", given_name="Ifan", family_name="Morgan-Davies")
    assert status == 302
    ifan = Contact.objects.select_related("person").get(case=world.case_a, person__given_name="Ifan")
    assert (ifan.person.address_line_1, ifan.person.postcode) == ("4 Chapel Row", "FX1 1AB")
