"""Two answers for one person arriving at once (PostgreSQL only: real concurrent transactions).

The first is held open inside a transaction while the second runs in another thread; the test waits until the
second is either finished or waiting for a lock, then lets the first commit. No timing is asserted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from localtrace.contacts.models import Contact
from localtrace.support.models import Organisation, PaymentClaim, SupportRequest
from localtrace.support.services import SupportError, decide_claim, make_claim, record_needs, save_organisation
from tests.personas import build_world, make_case

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def while_the_first_is_open(first: Callable[[], Any], second: Callable[[], Any]) -> dict[str, Any]:
    """Run `first` in a transaction left open until `second` (in its own thread) has finished or is waiting."""
    outcome: dict[str, Any] = {}

    def run_second() -> None:
        try:
            outcome["result"] = second()
        except Exception as error:  # the test reads what happened
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run_second)
    with transaction.atomic():
        first()
        thread.start()
        for _ in range(2000):  # a bound, not a timing assertion: either way the loop ends as soon as it can
            if not thread.is_alive():
                break
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    break
            time.sleep(0.005)
    thread.join()
    return outcome


def test_overlapping_claims_on_two_records_sent_at_once_make_one_claim() -> None:
    world = build_world()
    case_b, _ = make_case(world.area_b, world.submission, specimen_id="WORLD-B")
    # Gwen is a case in area A and a contact of a case in area B: two records, overlapping isolations.
    as_contact = Contact.objects.get(case=case_b)
    as_contact.person = world.case_a.person
    as_contact.save(update_fields=["person"])
    answers = {"told_to_isolate": True, "low_income": True, "cannot_work_from_home": True}

    outcome = while_the_first_is_open(
        lambda: make_claim(as_contact, **answers, actor=world.users["support_a"]),
        lambda: make_claim(world.case_a, **answers, online=True),
    )

    assert PaymentClaim.objects.count() == 1
    assert isinstance(outcome.get("error"), SupportError) and outcome["error"].code == "duplicate"


def test_the_same_need_sent_twice_at_once_is_one_request_and_no_error() -> None:
    world = build_world()
    contact = world.contact_a

    outcome = while_the_first_is_open(
        lambda: record_needs(contact, ["food"], urgent=False, consent=True, online=True),
        lambda: record_needs(contact, ["food"], urgent=True, consent=True, online=True),
    )

    assert "error" not in outcome, outcome.get("error")
    request = SupportRequest.objects.get(person=contact.person)
    assert request.urgent  # the second answer updated the first's request


def test_the_same_organisation_added_twice_at_once_is_one_entry_and_a_clear_refusal() -> None:
    world = build_world()
    pantry = {"name": "Ashby Pantry", "services": ["food"], "actor": world.users["area_lead_a"]}

    outcome = while_the_first_is_open(
        lambda: save_organisation(world.area_a, **pantry),
        lambda: save_organisation(world.area_a, **pantry),
    )

    assert Organisation.objects.filter(area=world.area_a).count() == 1
    assert isinstance(outcome.get("error"), SupportError), outcome.get("error")
    assert str(outcome["error"]) == "Ashby Pantry is already in the directory."


def test_two_claims_approved_at_once_with_one_payment_reference_get_a_clear_refusal() -> None:
    world = build_world()
    officer = world.users["support_a"]
    eligible = {"told_to_isolate": True, "low_income": True, "cannot_work_from_home": True}
    first, second = make_claim(world.contact_a, **eligible), make_claim(world.case_a, **eligible)

    outcome = while_the_first_is_open(
        lambda: decide_claim(first, approve=True, reason="Eligible", payment_reference="R1", actor=officer),
        lambda: decide_claim(second, approve=True, reason="Eligible", payment_reference="R1", actor=officer),
    )

    assert isinstance(outcome.get("error"), SupportError), outcome.get("error")
    assert str(outcome["error"]) == "The payment reference R1 is already used by another claim."
    assert list(PaymentClaim.objects.filter(payment_reference="R1").values_list("pk", flat=True)) == [first.pk]
    second.refresh_from_db()
    assert second.status == PaymentClaim.Status.SUBMITTED
