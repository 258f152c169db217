"""`localtrace play-working-day --now`: the moment the demo's day is played up to."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from localtrace.demo.management.commands.play_working_day import Command

LONDON = zoneinfo.ZoneInfo("Europe/London")


def now_option(text: str) -> dt.datetime:
    return Command().create_parser("localtrace", "play_working_day").parse_args(["sim", "--now", text]).now


def test_a_moment_without_an_offset_is_local_time_so_it_compares_with_stored_times(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIME_ZONE = "Europe/London"
    summer = now_option("2020-10-21T16:00")
    winter = now_option("2020-10-26T16:00")
    assert summer == dt.datetime(2020, 10, 21, 15, 0, tzinfo=dt.UTC)  # British Summer Time
    assert winter == dt.datetime(2020, 10, 26, 16, 0, tzinfo=dt.UTC)  # after the clocks went back


def test_a_moment_with_an_offset_keeps_it() -> None:
    assert now_option("2020-10-21T16:00+00:00") == dt.datetime(2020, 10, 21, 16, 0, tzinfo=dt.UTC)
