"""UK postcode normalisation and format validation: the one place that decides what a postcode is."""

from __future__ import annotations

import re

# The strict format from the Government Data Standards Catalogue (BS 7666), with
# GIR 0AA. Outward: A9, A99, AA9, AA99, A9A, AA9A; inward: 9AA without C I K M O V.
_POSTCODE = re.compile(
    r"^(GIR 0AA|"
    r"(?:[A-PR-UWYZ][0-9][0-9]?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r" [0-9][ABD-HJLNP-UW-Z]{2})$"
)


class InvalidPostcode(ValueError):
    """The text is not a postcode in UK format; the message says why in plain English."""


def normalise_postcode(raw: str) -> str:
    """Return the postcode in its standard form ("AB1 2CD") or raise InvalidPostcode."""
    if raw is None or not str(raw).strip():
        raise InvalidPostcode("The postcode is missing.")
    compact = re.sub(r"\s+", "", str(raw)).upper()
    if len(compact) < 5 or len(compact) > 7:
        raise InvalidPostcode(f"“{raw.strip()}” is not a UK postcode: it should have 5 to 7 letters and numbers.")
    candidate = f"{compact[:-3]} {compact[-3:]}"
    if not _POSTCODE.match(candidate):
        raise InvalidPostcode(f"“{raw.strip()}” is not in UK postcode format{_why_not(candidate)}")
    return candidate


def _why_not(candidate: str) -> str:
    """The end of the message for text shaped like a postcode that is not one: the likeliest slip, if seen."""
    # The letters O and I typed for the digits 0 and 1 are the commonest slip in a copied postcode.
    corrected = candidate.translate(str.maketrans("OI", "01"))
    if _POSTCODE.match(corrected):
        return f": it may have a letter O or I where a 0 or 1 should be ({corrected})."
    inward = candidate.split(" ")[1]
    if inward[0].isdigit() and set(inward[1:]) & set("CIKMOV"):
        return ": its last two letters can never be C, I, K, M, O or V."
    return ", for example SW1A 2AA."


def is_valid_postcode(raw: str) -> bool:
    try:
        normalise_postcode(raw)
    except InvalidPostcode:
        return False
    return True


def outward_code(postcode: str) -> str:
    return normalise_postcode(postcode).split(" ")[0]
