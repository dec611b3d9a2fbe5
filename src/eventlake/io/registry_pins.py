"""The events versions the registered models pin, for `eventlake maintain`'s retention
(re-exported by io/registry.py, the only module that imports mlflow)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Pin:
    """An events version that must stay readable, and the model version that needs it."""

    model_version: str
    events_version: int
    why: str


def pinned_events_versions(
    client: Any, model_name: str, events_table: str, pin_days: int, now_ms: int
) -> list[Pin]:
    """The events versions that versions of `model_name` trained on `events_table` pin: those
    holding an alias, or registered less than `pin_days` ago. A version whose run does not
    name its events table counts (kept rather than risk deleting its data)."""
    from eventlake.io import registry

    MlflowException = registry.mlflow_exception()
    try:
        aliases = client.get_registered_model(model_name).aliases or {}
    except MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            return []  # no model registered yet: nothing is pinned
        raise
    by_version: dict[str, list[str]] = {}
    for alias, number in aliases.items():
        by_version.setdefault(str(number), []).append(alias)
    cutoff_ms = now_ms - pin_days * 86_400_000
    pins: list[Pin] = []
    token = None
    while True:
        page = client.search_model_versions(f"name = '{model_name}'", page_token=token)
        for v in page:
            held = sorted(by_version.get(str(v.version), []))
            young = int(v.creation_timestamp or 0) >= cutoff_ms
            events_version = (v.tags or {}).get("events_version")
            if not (held or young) or events_version is None:
                continue
            table = client.get_run(v.run_id).data.tags.get("events_table") if v.run_id else None
            if table and table.rstrip("/") != events_table.rstrip("/"):
                continue
            why = f"alias {', '.join(held)}" if held else f"registered < {pin_days} days ago"
            pins.append(Pin(str(v.version), int(events_version), why))
        token = getattr(page, "token", None)
        if not token:
            return pins
