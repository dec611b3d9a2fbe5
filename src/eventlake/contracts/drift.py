"""The drift policy: what the ETL does when a producer's records stop matching the contract.

Two kinds of drift, each with a declared action:

- **A new field** (a JSON key, or a CSV header column, the contract does not name). The
  field is never dropped without a trace: with `rescue` or `warn` its value goes into the
  row's `_rescued` column (field name -> its JSON text) and its name is counted in
  `etl_runs.rescued_fields`; `warn` also counts the code `unknown_field` in `reason_counts`.
  `quarantine` sends the row to quarantine with the reason `unknown_field`; `fail` does that
  and fails the run (events untouched). Default: `warn` (rescue and warn).
- **A type change of a known field** (a JSON object or array where the contract has a
  string; a number or boolean is read as its JSON text, never drift). `quarantine` (the
  default for every field): the row is quarantined as `invalid_type`. `rescue`: the field's
  JSON text moves into `_rescued` under the field's own name, the field is read as null
  (so the rules on that field then decide: a rescued `user_id` is `missing_user_id`), and
  the code `rescued_type_change` is counted as a warning.

The conf may override the policy per deployment (`etl.drift_policy`); `policy()` checks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from eventlake.contracts.schemas import RAW_FIELDS
from eventlake.contracts.severity import Severity
from eventlake.errors import ConfigurationError

NEW_FIELD_ACTIONS = ("rescue", "warn", "quarantine", "fail")
TYPE_CHANGE_ACTIONS = ("quarantine", "rescue")

# The rule codes the policy drives (contracts/rules.py).
UNKNOWN_FIELD = "unknown_field"
RESCUED_TYPE_CHANGE = "rescued_type_change"


@dataclass(frozen=True)
class DriftPolicy:
    new_field: str = "warn"
    # known field -> its type-change action; every RAW_FIELDS name is present
    type_change: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(dict.fromkeys(RAW_FIELDS, "quarantine"))
    )

    @property
    def rescued_type_fields(self) -> tuple[str, ...]:
        return tuple(n for n in RAW_FIELDS if self.type_change[n] == "rescue")

    @property
    def quarantined_type_fields(self) -> tuple[str, ...]:
        return tuple(n for n in RAW_FIELDS if self.type_change[n] == "quarantine")

    @property
    def unknown_field_severity(self) -> Severity | None:
        """The `unknown_field` rule's severity; None when new fields are only rescued."""
        return None if self.new_field == "rescue" else Severity(self.new_field)


CONTRACT_POLICY = DriftPolicy()


def policy(overrides: Mapping[str, object] | None = None) -> DriftPolicy:
    """The contract's policy with the conf's `etl.drift_policy` laid over it:
    `{new_field: <action>, type_change: {<field>: <action>}}`."""
    overrides = dict(overrides or {})
    unknown_keys = sorted(set(overrides) - {"new_field", "type_change"})
    if unknown_keys:
        raise ConfigurationError(
            f"etl.drift_policy has unknown keys {unknown_keys}: use new_field and type_change"
        )
    new_field = str(overrides.get("new_field", CONTRACT_POLICY.new_field))
    if new_field not in NEW_FIELD_ACTIONS:
        raise ConfigurationError(
            f"etl.drift_policy.new_field is {new_field!r}: use one of {NEW_FIELD_ACTIONS}"
        )
    changes = dict(overrides.get("type_change") or {})  # type: ignore[call-overload]
    not_fields = sorted(set(changes) - set(RAW_FIELDS))
    if not_fields:
        raise ConfigurationError(
            f"etl.drift_policy.type_change names fields the contract does not have "
            f"{not_fields}: use fields from {RAW_FIELDS}"
        )
    bad = {k: v for k, v in changes.items() if v not in TYPE_CHANGE_ACTIONS}
    if bad:
        raise ConfigurationError(
            f"etl.drift_policy.type_change has invalid actions {bad}: use one of "
            f"{TYPE_CHANGE_ACTIONS}"
        )
    merged = {**CONTRACT_POLICY.type_change, **changes}
    return DriftPolicy(new_field, MappingProxyType(merged))
