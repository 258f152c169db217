"""`localtrace load-demo`: the demo's staff, loaded as often as `make demo` needs, never over a real account."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from localtrace.accounts.models import User
from localtrace.areas.models import Delegation, Membership, Team
from localtrace.areas.services import load_postcode_directory_file
from localtrace.demo.services import DEMO_PASSWORD
from localtrace.results.models import Submitter
from localtrace.simulate import generate_to


@pytest.fixture(scope="module")
def simulation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("simulation")
    generate_to(out, people=300, days=2, seed=1, fhir=False)
    return out


@pytest.fixture
def postcodes(db: None, simulation: Path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO = True
    load_postcode_directory_file(simulation / "postcodes.csv", names_path=simulation / "area_names.csv")


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def row_counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (User, Team, Membership, Delegation, Submitter))


def test_loading_the_demo_twice_adds_nothing_and_prints_the_same_logins(postcodes: None) -> None:
    first = load_demo()
    counts = row_counts()
    assert load_demo() == first
    assert row_counts() == counts


def test_every_printed_login_is_a_demo_account_with_the_printed_password(postcodes: None) -> None:
    printed = load_demo().splitlines()
    assert printed[0] == f"Demo logins (password for all: {DEMO_PASSWORD})"
    usernames = [line.split()[0] for line in printed[1:]]
    assert len(usernames) == 9
    for username in usernames:
        user = User.objects.get(username=username)
        assert user.is_active and user.is_demo_account and user.check_password(DEMO_PASSWORD), username


@pytest.mark.parametrize("existing", ["admin", "Admin"])
def test_the_demo_never_takes_over_a_real_account_with_a_demo_username(postcodes: None, existing: str) -> None:
    real = User.objects.create_user(
        existing, email="it@council.example.org", full_name="Real Administrator", password="a-real-long-secret"
    )
    with pytest.raises(CommandError, match=f"{existing}.*not a demo account"):
        load_demo()
    real.refresh_from_db()
    assert real.check_password("a-real-long-secret") and not real.is_demo_account
    assert not User.objects.filter(is_demo_account=True).exists()


def test_the_demo_is_refused_outside_demo_mode_without_printing_the_password(postcodes: None, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO = False
    out = io.StringIO()
    with pytest.raises(CommandError, match="LOCALTRACE_DEMO"):
        call_command("load_demo", stdout=out)
    assert DEMO_PASSWORD not in out.getvalue()
    assert not User.objects.exists()
