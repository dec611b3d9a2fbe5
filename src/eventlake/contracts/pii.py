"""Personal data in the raw fields, and what the pipeline does with each: the PII contract.

Every raw field that identifies or can single out a person is listed here with its treatment:

- ``hash``: the events table stores the keyed hash (HMAC-SHA256, see transforms/keyed_hash.py)
  in `column`, never the value; in the quarantine's `raw_record` the value is replaced by the
  same hash, so a bad record can still be matched with good ones from the same source.
- ``drop``: stored nowhere; in `raw_record` the value becomes JSON null.
- ``keep``: stored as it came, for the reason given.

On top of the per-field treatment, every IPv4 or IPv6 literal left anywhere in a quarantined
`raw_record` (a line that does not parse, an address inside another field) is replaced by
`REDACTED`. The transforms read this module; tests/unit/transforms/test_pii.py checks that
every hashed or dropped field really is absent from both tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Treatment = Literal["hash", "drop", "keep"]

# What an IP literal inside quarantined raw text becomes.
REDACTED = "<redacted>"


@dataclass(frozen=True)
class PersonalField:
    field: str  # the raw field
    treatment: Treatment
    why: str
    column: str | None = None  # the events column holding the hash (treatment "hash")


PERSONAL_FIELDS: tuple[PersonalField, ...] = (
    PersonalField(
        "ip",
        "hash",
        "the device's network address; analyses only need to group by it",
        column="ip_hash",
    ),
    PersonalField(
        "user_id",
        "keep",
        "the application's pseudonymous account id: the duplicate check, the features and the "
        "predictions are keyed by it",
    ),
    PersonalField(
        "session_id",
        "keep",
        "a random id per visit, meaningless outside the application",
    ),
    PersonalField(
        "user_agent",
        "keep",
        "browser and device string, needed to tell clients apart in analyses",
    ),
)

HASHED: dict[str, str] = {
    f.field: f.column for f in PERSONAL_FIELDS if f.treatment == "hash" and f.column
}
DROPPED: tuple[str, ...] = tuple(f.field for f in PERSONAL_FIELDS if f.treatment == "drop")
