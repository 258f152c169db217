from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from localtrace.areas.models import Area, Postcode
from localtrace.areas.services import (
    PostcodeFileError,
    load_postcode_directory,
    load_postcode_directory_file,
    route_postcode,
)
from localtrace.audit.models import AuditEvent

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ONSPD = FIXTURES / "onspd-sample.csv"
NAMES = FIXTURES / "area-names-sample.csv"

pytestmark = pytest.mark.django_db


def test_it_accounts_for_every_row() -> None:
    report = load_postcode_directory_file(ONSPD, NAMES)
    assert report.received == 9
    assert report.loaded == 7
    assert len(report.rejected) == 2
    assert report.accounted
    assert Postcode.objects.count() == 7


def test_it_builds_the_area_tree_from_the_codes() -> None:
    load_postcode_directory_file(ONSPD, NAMES)
    northshire = Area.objects.get(code="E10000901")
    assert northshire.name == "Northshire"
    assert northshire.level == Area.Level.UPPER_TIER
    assert northshire.parent.code == "E12000901"
    assert northshire.parent.parent.code == "E92000001"
    assert set(northshire.children.values_list("code", flat=True)) == {"E07000901", "E07000902"}


def test_a_unitary_authority_is_its_own_upper_tier_area() -> None:
    load_postcode_directory_file(ONSPD, NAMES)
    postcode = Postcode.objects.get(postcode="HY7A 2PQ")
    assert postcode.upper_tier.code == "E06000901"
    assert postcode.district == postcode.upper_tier


def test_postcodes_route_to_their_upper_tier_area_whatever_the_spacing() -> None:
    load_postcode_directory_file(ONSPD, NAMES)
    assert route_postcode("fx11ab").code == "E10000901"
    assert route_postcode("GX10 4DG").code == "E10000902"
    assert route_postcode("FX9 9ZZ") is None
    assert route_postcode("rubbish") is None


def test_terminated_postcodes_keep_their_end_date() -> None:
    load_postcode_directory_file(ONSPD, NAMES)
    assert Postcode.objects.get(postcode="FX2 3BF").terminated_on.isoformat() == "2015-12-01"


def test_loading_again_updates_rather_than_duplicates() -> None:
    load_postcode_directory_file(ONSPD, NAMES)
    report = load_postcode_directory_file(ONSPD, NAMES)
    assert report.areas_created == 0
    assert Postcode.objects.count() == 7


def test_a_file_that_is_not_a_postcode_directory_changes_nothing() -> None:
    with pytest.raises(PostcodeFileError, match="no pcds"):
        load_postcode_directory(io.StringIO("name,age\nfred,3\n"))
    assert Postcode.objects.count() == 0
    assert Area.objects.count() == 0


def test_the_load_is_audited() -> None:
    load_postcode_directory_file(ONSPD, NAMES)
    event = AuditEvent.objects.get(object_type="areas.postcode")
    assert event.detail == {"received": 9, "loaded": 7, "rejected": 2}


def test_the_command_reports_rejected_rows(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    call_command("load_postcodes", str(ONSPD), "--names", str(NAMES), "--quiet", stdout=out)
    text = out.getvalue()
    assert "Received 9 rows: 7 loaded, 2 rejected" in text
    assert "line 10: FX9 9ZZ has no local authority" in text


def test_the_command_refuses_a_missing_file() -> None:
    with pytest.raises(CommandError, match="There is no file"):
        call_command("load_postcodes", "/nonexistent/onspd.csv")


HEADER = "pcds,dointr,doterm,oscty,oslaua,rgn,ctry,lat,long\n"
GOOD = "FX1 1AB,199806,,E10000901,E07000901,E12000901,E92000001,52.10,-1.20\n"


def test_a_date_that_is_not_a_month_rejects_its_row_and_the_rest_still_load() -> None:
    report = load_postcode_directory(
        io.StringIO(HEADER + GOOD + "FX1 1AD,199813,,E10000901,E07000901,E12000901,E92000001,52.11,-1.21\n")
    )
    assert (report.received, report.loaded) == (2, 1)
    assert report.rejected == [(3, "FX1 1AD: dointr “199813” is not a year and month like 199806.")]
    assert list(Postcode.objects.values_list("postcode", flat=True)) == ["FX1 1AB"]


def test_a_postcode_twice_in_a_file_is_loaded_once_and_the_second_row_rejected() -> None:
    again = "FX11AB,199806,,E10000902,E07000903,E12000901,E92000001,52.10,-1.20\n"
    report = load_postcode_directory(io.StringIO(HEADER + GOOD + again))
    assert (report.received, report.loaded) == (2, 1) and report.accounted
    assert report.rejected == [(3, "FX1 1AB is in the file again (first on line 2).")]
    assert Postcode.objects.get().upper_tier.code == "E10000901"


@pytest.mark.parametrize(
    "row, reason",
    [
        ("FX1 1AD,199806,,E1000090199,E07000901,E12000901,E92000001,,\n",
         "FX1 1AD: oscty “E1000090199” is not an ONS area code like E10000001."),
        # The district of the row above, given as a county: its postcode would route to a district.
        ("FX1 1AD,199806,,E07000901,E07000905,E12000901,E92000001,,\n",
         "FX1 1AD: oscty E07000901 is a district, not an upper-tier council."),
    ],
)  # fmt: skip
def test_an_area_code_that_is_wrong_rejects_its_row_and_creates_no_area(row: str, reason: str) -> None:
    report = load_postcode_directory(io.StringIO(HEADER + GOOD + row))
    assert report.rejected == [(3, reason)]
    assert set(Area.objects.values_list("code", flat=True)) == {"E92000001", "E12000901", "E10000901", "E07000901"}
    assert Postcode.objects.get(postcode="FX1 1AB").upper_tier.code == "E10000901"


def test_rejected_rows_are_reported_at_their_line_after_a_blank_line() -> None:
    report = load_postcode_directory(io.StringIO(HEADER + GOOD + "\n" + "rubbish,,,,,,,,\n"))
    assert [line for line, _ in report.rejected] == [4]


def test_a_postcode_repeated_in_a_later_batch_of_the_file_is_rejected_with_its_first_line() -> None:
    other = "FX1 1AD,199806,,E10000901,E07000901,E12000901,E92000001,52.11,-1.21\n"
    again = "FX11AB,199806,,E10000902,E07000903,E12000901,E92000001,52.10,-1.20\n"
    report = load_postcode_directory(io.StringIO(HEADER + GOOD + other + again), batch_size=2)
    assert (report.received, report.loaded) == (3, 2) and report.accounted
    assert report.rejected == [(4, "FX1 1AB is in the file again (first on line 2).")]
    assert Postcode.objects.get(postcode="FX1 1AB").upper_tier.code == "E10000901"
    # A later load of a newer directory still updates the postcode: the repeat is within one file only.
    newer = load_postcode_directory(io.StringIO(HEADER + again))
    assert (newer.loaded, newer.rejected) == (1, [])
    assert Postcode.objects.get(postcode="FX1 1AB").upper_tier.code == "E10000902"
