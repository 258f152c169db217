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
        ("99999999999999999999", "2", "2020", "Date of birth must be a real date."),
        ("1", "99999999999999999999", "2020", "Date of birth must be a real date."),
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


def test_a_question_for_one_answer_is_shown_under_that_answer() -> None:
    from localtrace.cases.forms import OutcomeForm

    html = OutcomeForm().render()
    radio = '<input class="govuk-radios__input" type="radio" name="outcome" id="id_outcome_1" value="unreachable"'
    assert f'{radio} data-aria-controls="conditional-id_outcome_1">' in html
    conditional = html.index('<div class="govuk-radios__conditional govuk-radios__conditional--hidden"')
    assert html.index(radio) < conditional < html.index('id="id_reason"') < html.index("</fieldset>")
    assert html.count('id="id_reason"') == 1  # not also shown again after the radios
    chosen = OutcomeForm({"outcome": "unreachable", "reason": ""}).render()
    assert '<div class="govuk-radios__conditional" id="conditional-id_outcome_1">' in chosen
    assert "Enter why they could not be reached" in chosen


def test_what_a_browser_sends_for_a_question_under_an_answer_not_chosen_is_ignored() -> None:
    from localtrace.cases.forms import OutcomeForm, SymptomsForm
    from localtrace.support.forms import DecisionForm

    completed = OutcomeForm({"outcome": "completed", "reason": "moved away"})
    assert completed.is_valid() and completed.cleaned_data["reason"] == ""
    # A half-typed onset date under "Yes", then "No": no error about a date the answer makes irrelevant.
    well = SymptomsForm(
        {"seen": "x", "symptomatic": "no", "onset_date_0": "31", "onset_date_1": "2", "onset_date_2": ""}
    )
    assert well.is_valid(), well.errors
    assert well.cleaned_data["onset_date"] is None
    unwell = SymptomsForm(
        {"seen": "x", "symptomatic": "yes", "onset_date_0": "31", "onset_date_1": "2", "onset_date_2": ""}
    )
    assert not unwell.is_valid() and "onset_date" in unwell.errors
    declined = DecisionForm({"decision": "decline", "reason": "Not on a low income", "payment_reference": "TT-1"})
    assert declined.is_valid() and declined.cleaned_data["payment_reference"] == ""
    approved = DecisionForm({"decision": "approve", "reason": "Evidence seen", "payment_reference": ""})
    assert not approved.is_valid() and "payment_reference" in approved.errors
