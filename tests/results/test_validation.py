from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from localtrace.results import validation
from localtrace.results.reading import COLUMNS
from localtrace.results.validation import CleanResult, DateProblem, Problems, nhs_number_is_valid, parse_date, validate
from tests.results.factories import row


def today() -> dt.date:
    """Read when a test runs, not when the module is imported: a run may cross midnight."""
    return dt.date.today()


def test_a_good_row_is_clean_and_normalised() -> None:
    result = validate(row(postcode="fx11ab", phone="07911 123456", nhs_number="943 476 5919"), today=today())
    assert isinstance(result, CleanResult)
    assert result.postcode == "FX1 1AB"
    assert result.phone == "+447911123456"
    assert result.nhs_number == "9434765919"
    assert result.result == "positive"
    assert result.test_type == "PCR"


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"nhs_number": "9434765918"}, "fails its check digit"),
        ({"nhs_number": "94347659"}, "has 8 digits"),
        ({"postcode": ""}, "The postcode is missing"),
        ({"postcode": "FX1 1AI"}, "not in UK postcode format"),
        ({"date_of_birth": "17/05/80"}, "two-digit year"),
        ({"date_of_birth": "05/17/1980"}, "reads as month/day/year"),
        ({"date_of_birth": "2090-01-01"}, "in the future"),
        ({"specimen_date": "2999-01-01"}, "in the future"),
        ({"result": "maybe"}, "not positive, negative or void"),
        ({"result": "negative"}, "does not match result code"),
        ({"test_code": "12345-6"}, "not a SARS-CoV-2 test code"),
        ({"phone": "12345"}, "not a valid UK or international number"),
        ({"email": "not-an-email"}, "is not valid"),
        ({"given_name": " "}, "given name is missing"),
        ({"care_home": "perhaps"}, "should be yes or no"),
    ],
)
def test_each_problem_gets_a_plain_english_reason(overrides: dict[str, str], expected: str) -> None:
    result = validate(row(**overrides), today=today())
    assert isinstance(result, Problems)
    assert any(expected in reason for reason in result), list(result)


def test_a_specimen_after_its_result_is_a_reason() -> None:
    result = validate(
        row(specimen_date=today().isoformat(), result_date=(today() - dt.timedelta(days=3)).isoformat()), today=today()
    )
    assert isinstance(result, Problems)
    assert "after the result date" in result[0]


def test_a_possible_day_month_swap_is_a_reason_not_a_guess() -> None:
    # 03/04 read day-first is 3 April; the result came on 5 March: the order is impossible.
    result = validate(
        row(specimen_date=f"03/04/{today().year}", result_date=f"{today().year}-03-05"),
        today=dt.date(today().year, 6, 1),
    )
    assert isinstance(result, Problems)
    assert "day and month may be the wrong way round" in " ".join(result)


def test_every_problem_in_a_row_is_reported_not_only_the_first() -> None:
    result = validate(row(nhs_number="1", postcode="", result="maybe"), today=today())
    assert isinstance(result, Problems)
    assert result.fields == ["nhs_number", "postcode", "result"]


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_documented_date_format_reads_back_the_same_day(day: dt.date) -> None:
    assert parse_date(day.isoformat(), "D").value == day
    assert parse_date(f"{day.day:02d}/{day.month:02d}/{day.year}", "D").value == day
    assert parse_date(f"{day.day} {day:%b} {day.year}", "D").value == day
    assert parse_date(f"{day.day} {day:%B} {day.year}", "D").value == day
    assert parse_date(f"{day:%Y%m%d}", "D").value == day


@given(st.text(max_size=20))
def test_any_text_is_a_date_or_a_reason(text: str) -> None:
    try:
        parse_date(text, "The date")
    except DateProblem as problem:
        assert str(problem).startswith("The date")


@given(st.dictionaries(st.sampled_from(COLUMNS), st.text(max_size=30)))
def test_any_row_at_all_gives_a_clean_result_or_reasons(fields: dict[str, str]) -> None:
    result = validate(fields, today=today())
    assert isinstance(result, (CleanResult, Problems))
    if isinstance(result, Problems):
        assert len(result) == len(result.fields) > 0


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_nhs_check_digit_agrees_with_the_definition(digits: str) -> None:
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = (11 - total % 11) % 11
    assert nhs_number_is_valid(digits) == (check != 10 and check == int(digits[9]))


def test_text_longer_than_its_column_is_a_reason_not_a_crash() -> None:
    result = validate(row(specimen_id="S" * 65, family_name="x" * 101), today=today())
    assert isinstance(result, Problems)
    assert any("specimen id is 65 characters long" in r for r in result)
    assert any("family name is 101 characters long" in r for r in result)


def _phonenumbers_verdict(text: str) -> str:
    import phonenumbers

    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


uk_mobile_shaped = st.builds(
    lambda prefix, digits, spaced: prefix + (f"{digits[:3]} {digits[3:]}" if spaced else digits),
    st.sampled_from(["07", "+447", "+44 7", "00447", "(07"]),
    st.text(alphabet="0123456789", min_size=8, max_size=10),
    st.booleans(),
)


@given(uk_mobile_shaped | st.text(alphabet="0123456789+ -()", max_size=16))
def test_the_quick_check_of_uk_mobiles_agrees_with_phonenumbers(text: str) -> None:
    from localtrace.results.validation import normalise_phone

    assert normalise_phone(text) == _phonenumbers_verdict(text)


@given(
    st.fixed_dictionaries(
        {
            column: st.sampled_from(["", " ", "x", "FX1 1AB", "2020-01-02", "03/04/2020", "positive", "07911 123456"])
            for column in COLUMNS
        }
    )
)
def test_a_row_gets_the_same_verdict_whether_its_parts_were_seen_before_or_not(fields: dict[str, str]) -> None:
    # validate() works out each group of columns once per distinct value (the person, the codes, the dates):
    # a verdict must not depend on what was validated before it.
    warm = validate(fields, today=today())
    for part in (validation._person_part, validation._codes_part, validation._dates_part, validation._flags_part):
        part.cache_clear()
    cold = validate(fields, today=today())
    assert type(warm) is type(cold)
    assert list(warm) == list(cold)
    if isinstance(warm, Problems):
        assert isinstance(cold, Problems)
        assert warm.fields == cold.fields


@pytest.mark.parametrize("year", ["0001", "0020", "1920", "2019"])
def test_a_test_date_before_2020_is_a_reason_not_a_result(year: str) -> None:
    result = validate(row(specimen_date=f"{year}-01-01", result_date=f"{year}-01-02"), today=today())
    assert isinstance(result, Problems)
    assert result.fields == ["test_dates"]
    assert f"The specimen date 01/01/{year} is before 2020" in result[0]


def test_a_specimen_taken_before_the_person_was_born_is_a_reason() -> None:
    born = today() - dt.timedelta(days=5)
    result = validate(
        row(
            date_of_birth=born.isoformat(),
            specimen_date=(born - dt.timedelta(days=3)).isoformat(),
            result_date=(born - dt.timedelta(days=2)).isoformat(),
        ),
        today=today(),
    )
    assert isinstance(result, Problems)
    assert result.fields == ["date_of_birth"]
    assert "is before the date of birth" in result[0]


def test_a_specimen_taken_on_the_day_of_birth_is_accepted() -> None:
    born = today() - dt.timedelta(days=2)
    result = validate(
        row(date_of_birth=born.isoformat(), specimen_date=born.isoformat(), result_date=today().isoformat()),
        today=today(),
    )
    assert isinstance(result, CleanResult)


def test_an_nhs_number_in_digits_other_than_0_to_9_is_a_reason() -> None:
    # Stored as written, it would never match the same number in 0-9: the same person twice.
    result = validate(row(nhs_number="٩٤٣٤٧٦٥٩١٩"), today=today())
    assert isinstance(result, Problems)
    assert result.fields == ["nhs_number"]
    assert "should be 10 digits" in result[0]


@pytest.mark.parametrize(
    "written, day",
    [
        ("2026-07-14", dt.date(2026, 7, 14)),
        ("2026-07-14T23:30:00", dt.date(2026, 7, 14)),  # no zone: the date as written
        ("2026-07-14T23:30:00+01:00", dt.date(2026, 7, 14)),
        ("2026-07-14T23:30:00Z", dt.date(2026, 7, 15)),  # 00:30 on the 15th in London (BST)
        ("2026-07-14 23:30:00+00:00", dt.date(2026, 7, 15)),
        ("2026-01-14T23:30:00Z", dt.date(2026, 1, 14)),  # GMT: the same day
        ("2026-07-14T09:00", dt.date(2026, 7, 14)),
    ],
)
def test_a_time_with_a_zone_is_dated_here_as_fhir_times_are(written: str, day: dt.date) -> None:
    assert parse_date(written, "The specimen date").value == day
