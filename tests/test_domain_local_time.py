"""Local wall-clock times across clock changes, pinned zone by zone.

The spring gap is refused with the last valid minute before it and the first after,
whatever its length (an hour in Madrid and New York, half an hour on Lord Howe Island,
a whole day in Samoa in 2011); the autumn repeat is read as its first occurrence; the
offset shown next to an ambiguous time is exact to the minute. Pure, so these run in
the mutation test of domain/ (docs/mutation.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.errors import Refusal
from domain.local_time import is_ambiguous, local_moment, utc_offset, weeks_later

MADRID = "Europe/Madrid"


def gap(wall: datetime, tz: str) -> tuple[str, str]:
    with pytest.raises(Refusal) as refused:
        local_moment(wall, tz, "typed")
    assert refused.value.code == "nonexistent_time"
    params = refused.value.params
    assert (params["text"], params["zone"]) == ("typed", tz)
    return params["before"], params["after"]


@pytest.mark.parametrize(
    ("tz", "walls", "before", "after"),
    [
        (
            MADRID,
            [(2027, 3, 28, 2, 0), (2027, 3, 28, 2, 1), (2027, 3, 28, 2, 30), (2027, 3, 28, 2, 59)],
            "2027-03-28T01:59:00+01:00",
            "2027-03-28T03:00:00+02:00",
        ),
        (
            "America/New_York",
            [(2027, 3, 14, 2, 0), (2027, 3, 14, 2, 59)],
            "2027-03-14T01:59:00-05:00",
            "2027-03-14T03:00:00-04:00",
        ),
        (
            "America/St_Johns",
            [(2027, 3, 14, 2, 17)],
            "2027-03-14T01:59:00-03:30",
            "2027-03-14T03:00:00-02:30",
        ),
        (
            "Australia/Lord_Howe",
            [(2027, 10, 3, 2, 0), (2027, 10, 3, 2, 29)],
            "2027-10-03T01:59:00+10:30",
            "2027-10-03T02:30:00+11:00",
        ),
        (
            "Pacific/Apia",
            [(2011, 12, 30, 0, 0), (2011, 12, 30, 12, 0), (2011, 12, 30, 23, 59)],
            "2011-12-29T23:59:00-10:00",
            "2011-12-31T00:00:00+14:00",
        ),
    ],
)
def test_a_skipped_time_is_refused_with_the_minutes_around_the_gap(
    tz: str, walls: list[tuple[int, ...]], before: str, after: str
) -> None:
    for wall in walls:
        assert gap(datetime(*wall), tz) == (before, after)
        # A wall time that carries fold=1 (as after arithmetic on a repeated hour) too.
        assert gap(datetime(*wall, fold=1), tz) == (before, after)
    # The minutes named are valid ones, and mean what they say.
    assert local_moment(datetime.fromisoformat(before).replace(tzinfo=None), tz, "x") == (
        datetime.fromisoformat(before)
    )
    assert local_moment(datetime.fromisoformat(after).replace(tzinfo=None), tz, "x") == (
        datetime.fromisoformat(after)
    )


def test_seconds_typed_or_carried_are_dropped_before_the_gap_is_checked() -> None:
    # 01:59:59 is before Madrid's gap; read to the minute it is 01:59, which exists.
    moment = local_moment(datetime(2027, 3, 28, 1, 59, 59, 999_999), MADRID, "x")
    assert moment.isoformat() == "2027-03-28T01:59:00+01:00"
    assert (moment.second, moment.microsecond) == (0, 0)
    assert gap(datetime(2027, 3, 28, 2, 59, 59, 999_999), MADRID)[1] == (
        "2027-03-28T03:00:00+02:00"
    )


def test_an_aware_wall_time_is_read_on_the_communes_clock() -> None:
    typed = datetime(2027, 6, 1, 18, 0, tzinfo=UTC)
    assert local_moment(typed, MADRID, "x").isoformat() == "2027-06-01T18:00:00+02:00"


def test_a_repeated_time_is_its_first_occurrence_even_when_typed_as_the_second() -> None:
    second = datetime(2027, 10, 31, 2, 30, fold=1)
    assert local_moment(second, MADRID, "x").isoformat() == "2027-10-31T02:30:00+02:00"
    assert local_moment(second, MADRID, "x").fold == 0


def test_a_year_outside_the_kept_years_is_refused_with_what_was_typed() -> None:
    with pytest.raises(Refusal) as refused:
        local_moment(datetime(3000, 1, 1, 18, 0), MADRID, "3000-01-01T18:00")
    assert refused.value.code == "year_out_of_range"
    assert refused.value.params["text"] == "3000-01-01T18:00"


def test_a_weekly_repeat_landing_on_the_repeated_hour_takes_its_first_occurrence() -> None:
    week_before = local_moment(datetime(2027, 10, 24, 2, 30), MADRID, "x")
    landed = weeks_later(week_before, 1, MADRID)
    assert landed.isoformat() == "2027-10-31T02:30:00+02:00"
    assert landed.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    # From the second occurrence, the same wall time a week on (one real hour more).
    second = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert weeks_later(second, 1, MADRID).isoformat() == "2027-11-07T02:30:00+01:00"
    # A skipped time moves on by the length of the jump.
    skipped = weeks_later(local_moment(datetime(2027, 3, 21, 2, 30), MADRID, "x"), 1, MADRID)
    assert skipped.isoformat() == "2027-03-28T03:30:00+02:00"


@pytest.mark.parametrize(
    ("moment", "tz", "offset"),
    [
        (datetime(2027, 7, 1, 12, 0, tzinfo=UTC), MADRID, "UTC+02:00"),
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), MADRID, "UTC+01:00"),
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "UTC", "UTC+00:00"),
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "America/New_York", "UTC-05:00"),
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "America/St_Johns", "UTC-03:30"),
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "Asia/Kolkata", "UTC+05:30"),
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "Asia/Kathmandu", "UTC+05:45"),
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "Pacific/Kiritimati", "UTC+14:00"),
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "Pacific/Pago_Pago", "UTC-11:00"),
        # Liberia kept -00:44:30 until 1972: seconds are cut, not rounded.
        (datetime(1970, 1, 1, 12, 0, tzinfo=UTC), "Africa/Monrovia", "UTC-00:44"),
    ],
)
def test_the_offset_shown_is_exact_to_the_minute(moment: datetime, tz: str, offset: str) -> None:
    assert utc_offset(moment, tz) == offset


@pytest.mark.parametrize(
    ("utc", "ambiguous"),
    [
        (datetime(2027, 10, 30, 23, 59), False),  # 01:59 +02:00
        (datetime(2027, 10, 31, 0, 0), True),  # 02:00 +02:00, the first time
        (datetime(2027, 10, 31, 0, 59), True),
        (datetime(2027, 10, 31, 1, 0), True),  # 02:00 +01:00, the second time
        (datetime(2027, 10, 31, 1, 59), True),
        (datetime(2027, 10, 31, 2, 0), False),  # 03:00 +01:00
        (datetime(2027, 3, 28, 0, 59), False),  # 01:59 +01:00, before the gap
        (datetime(2027, 3, 28, 1, 0), False),  # 03:00 +02:00, after it
        (datetime(2027, 7, 1, 12, 0), False),
    ],
)
def test_only_the_repeated_hour_is_ambiguous(utc: datetime, ambiguous: bool) -> None:
    assert is_ambiguous(utc.replace(tzinfo=UTC), MADRID) is ambiguous
    assert is_ambiguous(utc.replace(tzinfo=UTC), "UTC") is False


def test_ambiguity_is_read_in_the_communes_zone_not_the_moments() -> None:
    # The same instant, written in another zone, is still Madrid's repeated 02:30.
    moment = datetime(2027, 10, 30, 21, 30, tzinfo=timezone(timedelta(hours=-3)))
    assert is_ambiguous(moment, MADRID)
    assert utc_offset(moment, MADRID) == "UTC+02:00"
    assert utc_offset(moment + timedelta(hours=1), MADRID) == "UTC+01:00"
