from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from localtrace.core.forms import GovukDateField, GovukForm


class DateForm(GovukForm):
    when = GovukDateField(label="Date of birth")


def submit(day: str, month: str, year: str) -> DateForm:
    return DateForm({"when_0": day, "when_1": month, "when_2": year})


@given(st.dates(min_value=dt.date(1000, 1, 1)))
def test_a_real_date_typed_in_three_boxes_is_read_back(date: dt.date) -> None:
    form = submit(str(date.day), str(date.month), f"{date.year:04d}")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["when"] == date


@pytest.mark.parametrize(
    "day, month, year, message",
    [
        ("", "", "", "This field is required."),
        ("31", "", "2020", "Date of birth must include a month."),
        ("31", "2", "2020", "Date of birth must be a real date."),
        ("1", "2", "20", "four numbers"),
        ("x", "2", "2020", "in numbers"),
    ],
)
def test_each_mistake_gets_a_plain_english_error(day: str, month: str, year: str, message: str) -> None:
    form = submit(day, month, year)
    assert not form.is_valid()
    assert message in form.errors["when"][0]


def test_an_invalid_field_gets_the_govuk_error_classes_and_summary_link() -> None:
    form = submit("31", "2", "2020")
    form.is_valid()
    html = str(form)
    assert "govuk-form-group--error" in html
    assert "govuk-input--error" in html
    assert 'id="id_when-error"' in html
