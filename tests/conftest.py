from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator

import pytest
from django.db import transaction
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings

from tests.personas import World, build_world

# No time limits on examples: tests never assert timings (bench/ measures those), and on a loaded 2-core CI machine
# one example of a date parser took 365 ms against Hypothesis's default 200 ms deadline and failed the run.
settings.register_profile("localtrace", deadline=None)
settings.load_profile("localtrace")

# Spark's Python bridge logs from a destructor after pytest has closed its streams ("Logging error" noise).
logging.getLogger("py4j").setLevel(logging.WARNING)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


# The suite's time (make test) ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def module_world(django_db_setup: None, django_db_blocker) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """The personas' world built once for a whole module, inside a transaction rolled back after its last test.

    For modules of many short tests that each need the same starting world (the permission matrix: 1,500
    requests). Each test still runs in its own savepoint (the `db` fixture), so its changes are undone, and
    it gets its own copy of the objects (`copy.deepcopy`), as Django's `TestCase.setUpTestData` does. Not
    for transactional tests (`transaction=True`, `live_server`): they commit, which this transaction forbids.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture(scope="session", autouse=True)
def _end_stray_connections(django_db_setup: None, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Before the test database is dropped, end any connection a test's thread left open to it.

    Threads that served requests (live servers, the task worker in journeys) keep their connections for
    CONN_MAX_AGE; PostgreSQL refuses to drop a database in use, and pytest-django then only warns.
    """
    yield
    with django_db_blocker.unblock():
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


# Under pytest-xdist, the modules holding the longest tests start first, so one of them does not begin
# alone at the end while the other worker waits. Whole modules move (their module fixtures stay shared);
# the order within a module and of everything else is unchanged. Without xdist nothing moves.
LONGEST_FIRST = (
    "tests/results/test_pipeline.py",
    "tests/browser/test_pages_on_a_phone.py",
    "tests/people/test_dedupe.py",
    "tests/demo/test_working_day.py",
    "tests/results/test_crash_recovery.py",
    "tests/browser/test_tracing_journey.py",
    "tests/browser/test_support_journey.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


def sign_in_fully(client: Client, user) -> Client:  # type: ignore[no-untyped-def]
    """Signed in with both factors, as after a real sign-in."""
    client.force_login(user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for(world: World) -> Callable[[str], Client]:
    def make(persona: str) -> Client:
        client = Client()
        user = world.user(persona)
        if user is not None:
            sign_in_fully(client, user)
        return client

    return make
