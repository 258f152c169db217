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
        raise InvalidPostcode(f"“{raw.strip()}” is not in UK postcode format, for example SW1A 2AA.")
    return candidate


def is_valid_postcode(raw: str) -> bool:
    try:
        normalise_postcode(raw)
    except InvalidPostcode:
        return False
    return True


def outward_code(postcode: str) -> str:
    return normalise_postcode(postcode).split(" ")[0]
