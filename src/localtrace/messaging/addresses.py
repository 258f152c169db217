"""One spelling per address, so a number marked bad is recognised however it is written next time."""

from __future__ import annotations

import phonenumbers


def normalise(channel: str, recipient: str) -> str:
    """E.164 for mobile numbers (UK by default), lower case for email addresses; otherwise as given, trimmed."""
    recipient = recipient.strip()
    if channel == "sms":
        try:
            number = phonenumbers.parse(recipient, "GB")
        except phonenumbers.NumberParseException:
            return recipient.replace(" ", "")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return recipient.lower()
