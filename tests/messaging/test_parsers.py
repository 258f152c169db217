"""The receipt parser and address normalising, over arbitrary input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from localtrace.messaging.addresses import normalise
from localtrace.messaging.receipts import STATUSES, BadReceipt, Receipt, parse

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@given(JSON)
def test_any_json_is_a_receipt_or_a_plain_refusal(payload):
    try:
        receipt = parse(payload)
    except BadReceipt as refusal:
        assert str(refusal)
    else:
        assert isinstance(receipt, Receipt) and receipt.status in STATUSES and receipt.notification_id


@given(
    st.uuids().map(str),
    st.sampled_from(sorted(STATUSES)),
    st.none() | st.text(max_size=30),
    st.dictionaries(st.text(max_size=10), JSON, max_size=3),
)
def test_a_well_formed_receipt_is_read_whatever_else_it_carries(notification_id, status, reference, extra):
    payload = {**extra, "id": notification_id, "status": status, "reference": reference}
    receipt = parse(payload)
    assert (receipt.notification_id, receipt.status, receipt.reference) == (notification_id, status, reference or "")


@given(st.sampled_from(["sms", "email"]), st.text(max_size=40))
def test_normalising_twice_changes_nothing(channel, address):
    once = normalise(channel, address)
    assert normalise(channel, once) == once


def test_one_number_however_it_is_written():
    assert {normalise("sms", n) for n in ("07911 123456", "+44 7911 123456", "+447911123456", "0044 7911 123456")} == {
        "+447911123456"
    }
