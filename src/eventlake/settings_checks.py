"""The checks a resolved `Settings` must pass before any job sees it (`settings.load_settings`
calls `validate`): allowed values, and the shape of the lineage run references. Each refusal
names the file or variable the value came from and what to write instead. Pure: no file or
environment is read here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventlake.errors import ConfigurationError

if TYPE_CHECKING:
    from eventlake.settings import Settings

TARGETS = ("local", "aws")
LOCAL_RUNNERS = ("spark-submit", "in-process")
# file: one JSON-lines file; bucket: an object per event under <artifacts>/lineage; http: a server.
LINEAGE_TRANSPORTS = ("file", "bucket", "http")


def validate(settings: Settings, where: str) -> None:
    """Refuse a value no job could run with, naming the file (`where`) or the variable and
    what to write instead."""
    if not 0 <= float(settings.etl.max_reject_ratio) <= 1:
        raise ConfigurationError(f"{where}: etl.max_reject_ratio must be within [0, 1]")
    for key in ("ready_marker", "manifest"):
        name = getattr(settings.raw, key)
        if name is not None and (not isinstance(name, str) or not name or "/" in name):
            raise ConfigurationError(
                f"{where}: raw.{key} is {name!r}; expected an object name inside dt=D/ "
                "(no '/'), or null"
            )
    if settings.raw.ready_marker and settings.raw.ready_marker == settings.raw.manifest:
        raise ConfigurationError(
            f"{where}: raw.ready_marker and raw.manifest are both {settings.raw.manifest!r}; "
            "name two objects, or set only raw.manifest"
        )
    if settings.airflow.target not in TARGETS:
        raise ConfigurationError(
            f"eventlake_target is {settings.airflow.target!r} (EVENTLAKE_TARGET, the Airflow "
            f"Variable or airflow.target in {where}); expected one of {TARGETS}"
        )
    lineage = settings.lineage
    for key, value in (("parent_run", lineage.parent_run), ("root_run", lineage.root_run)):
        if value is not None and parse_run_ref(value) is None:
            raise ConfigurationError(
                f"{where}: lineage.{key} is {value!r}; expected namespace/name/run_id with a "
                "UUID run id (OPENLINEAGE_PARENT_ID / OPENLINEAGE_ROOT_PARENT_ID)"
            )
    if lineage.transport not in LINEAGE_TRANSPORTS:
        raise ConfigurationError(
            f"{where}: lineage.transport is {lineage.transport!r}; use one of "
            f"{', '.join(LINEAGE_TRANSPORTS)}"
        )
    if lineage.transport == "http" and not lineage.url:
        raise ConfigurationError(
            f"{where}: lineage.transport is http but no URL is set: set OPENLINEAGE_URL or "
            f"lineage.url, or use the bucket transport"
        )
    if int(settings.ml.auto_rollback_days) < 1:
        raise ConfigurationError(
            f"{where}: ml.auto_rollback_days is {settings.ml.auto_rollback_days!r}; expected "
            "a whole number of days >= 1"
        )
    if settings.airflow.local_runner not in LOCAL_RUNNERS:
        raise ConfigurationError(
            f"EVENTLAKE_LOCAL_RUNNER={settings.airflow.local_runner!r} (or "
            f"airflow.local_runner in {where}): use one of {', '.join(LOCAL_RUNNERS)}"
        )


def parse_run_ref(value: str) -> tuple[str, str, str] | None:
    """`namespace/name/run_id` -> its parts (the name may hold slashes; the run id is a UUID),
    or None when it is not one."""
    import uuid

    namespace, _, rest = value.partition("/")
    name, _, run_id = rest.rpartition("/")
    try:
        uuid.UUID(run_id)
    except ValueError:
        return None
    return (namespace, name, run_id) if namespace and name else None
