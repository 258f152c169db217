"""Phone numbers as people read them. They are stored in E.164 (results.validation.normalise_phone)."""

from __future__ import annotations

import phonenumbers


def dialled(number: str) -> str:
    """A stored number as a person dials it: "+447723714500" → "07723 714500"; another country's in its
    international form ("+33 1 23 45 67 89"). `tel:` links keep the stored form."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        return number
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(parsed, style.NATIONAL if parsed.country_code == 44 else style.INTERNATIONAL)
