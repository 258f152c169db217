"""A digest of a record's editable fields as a form showed them.

An edit page carries it in a hidden field; the save compares it with the record as it is then, and refuses
a change made on a page opened before someone else's, which would otherwise quietly put the old values back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

# What a refused save says when the record is a set of answers (a case's symptoms, help to isolate).
STALE_ANSWERS = (
    "Someone else changed these answers since you opened this page. They are shown as they are now: "
    "make your change again."
)


def fingerprint(record: Any, fields: Iterable[str]) -> str:
    # None (never answered) is blank; False and [] are answers ("no symptoms", "needs nothing") and count.
    text = "\x1f".join("" if (value := getattr(record, name)) is None else str(value) for name in fields)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
