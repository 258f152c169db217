from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from localtrace.areas.postcodes import InvalidPostcode, is_valid_postcode, normalise_postcode, outward_code

FIRST = "ABCDEFGHIJKLMNOPRSTUWYZ"
SECOND = "ABCDEFGHKLMNOPQRSTUVWXY"
INWARD = "ABDEFGHJLNPQRSTUWXYZ"
digits = st.sampled_from("0123456789")


@st.composite
def valid_postcodes(draw: st.DrawFn) -> str:
    first, second = st.sampled_from(FIRST), st.sampled_from(SECOND)
    outward = draw(
        st.one_of(
            st.tuples(first, digits),
            st.tuples(first, digits, digits),
            st.tuples(first, second, digits),
            st.tuples(first, second, digits, digits),
            st.tuples(first, digits, st.sampled_from("ABCDEFGHJKSTUW")),
            st.tuples(first, second, digits, st.sampled_from("ABEHMNPRVWXY")),
        )
    )
    inward = draw(st.tuples(digits, st.sampled_from(INWARD), st.sampled_from(INWARD)))
    return f"{''.join(outward)} {''.join(inward)}"


@given(valid_postcodes())
def test_every_well_formed_postcode_is_accepted_and_unchanged(postcode: str) -> None:
    assert normalise_postcode(postcode) == postcode


@given(valid_postcodes(), st.sampled_from(["", " ", "  ", "\t"]), st.booleans())
def test_spacing_and_case_do_not_matter(postcode: str, padding: str, lower: bool) -> None:
    messy = padding + postcode.replace(" ", padding or "") + padding
    messy = messy.lower() if lower else messy
    assert normalise_postcode(messy) == postcode


@given(st.text(max_size=12))
def test_any_text_is_either_a_normalised_postcode_or_a_plain_reason(text: str) -> None:
    try:
        result = normalise_postcode(text)
    except InvalidPostcode as error:
        assert str(error)
    else:
        assert normalise_postcode(result) == result
        assert " " in result


@pytest.mark.parametrize("text", ["", "   ", "SW1A", "SW1A 2AAA", "QX1 1AA", "SW1A 2CA", "12345", "SW1A-2AA"])
def test_malformed_postcodes_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(InvalidPostcode):
        normalise_postcode(text)
    assert not is_valid_postcode(text)


def test_known_examples() -> None:
    assert normalise_postcode("sw1a2aa") == "SW1A 2AA"
    assert normalise_postcode(" m1 1ae ") == "M1 1AE"
    assert normalise_postcode("GIR0AA") == "GIR 0AA"
    assert outward_code("b33 8th") == "B33"


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (
            "FXI 4TE",
            "“FXI 4TE” is not in UK postcode format: it may have a letter O or I where a 0 or 1 should be (FX1 4TE).",
        ),
        (
            "LX1 OYZ",
            "“LX1 OYZ” is not in UK postcode format: it may have a letter O or I where a 0 or 1 should be (LX1 0YZ).",
        ),
        ("FX1 2AV", "“FX1 2AV” is not in UK postcode format: its last two letters can never be C, I, K, M, O or V."),
        ("GX6 TNF", "“GX6 TNF” is not in UK postcode format, for example SW1A 2AA."),
    ],
)
def test_a_postcode_shaped_mistake_says_what_is_wrong_with_it(typed: str, said: str) -> None:
    with pytest.raises(InvalidPostcode) as refused:
        normalise_postcode(typed)
    assert str(refused.value) == said
