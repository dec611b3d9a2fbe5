"""contracts/pii.py is the one list of personal fields, and both tables honour it."""

from __future__ import annotations

from eventlake.contracts import pii
from eventlake.contracts.schemas import EVENTS_SCHEMA, QUARANTINE_SCHEMA, RAW_FIELDS


def test_personal_fields_are_raw_fields_with_a_known_treatment():
    assert {f.field for f in pii.PERSONAL_FIELDS} <= set(RAW_FIELDS)
    assert {f.treatment for f in pii.PERSONAL_FIELDS} <= {"hash", "drop", "keep"}
    assert all(f.why for f in pii.PERSONAL_FIELDS)
    assert pii.HASHED == {"ip": "ip_hash"}
    assert pii.DROPPED == ()


def test_no_table_has_a_column_for_a_hashed_or_dropped_field():
    transformed = set(pii.HASHED) | set(pii.DROPPED)
    assert transformed == {"ip"}
    for schema in (EVENTS_SCHEMA, QUARANTINE_SCHEMA):
        assert not transformed & set(schema.names)
    # ...and each hashed field has its hash column in events.
    assert set(pii.HASHED.values()) <= set(EVENTS_SCHEMA.names)
