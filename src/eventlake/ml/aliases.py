"""Alias history: every move of a registered model's alias is a row of `<lake>/model_aliases`.

MLflow aliases are mutable pointers with no history (mlflow#2169: "which version was champion
on date X?"). Every alias move of eventlake goes through `move_alias`, which sets the alias and
appends a row: the training gate, `eventlake promote` and `eventlake rollback`. `as_of` answers
the question from the rows.

A crash between the alias move and its row leaves the alias ahead of the history; the next
`move_alias` to the same version (a training retry finishing its gate does exactly that) sees
the alias already there and writes the missing row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from eventlake.contracts.schemas import MODEL_ALIASES_SCHEMA

if TYPE_CHECKING:
    from eventlake.io.lake import Lake

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AliasMove:
    model: str
    alias: str
    from_version: str | None
    to_version: str
    reason: str
    actor: str
    mlflow_run_id: str | None
    git_sha: str


def history(lake: Lake, model: str, alias: str | None = None) -> list[Any]:
    """The rows for `model` (and `alias`), oldest first; [] when the table does not exist."""
    from pyspark.sql import functions as F

    if not lake.exists("model_aliases"):
        return []
    df = lake.model_aliases().where(F.col("model") == model)
    if alias is not None:
        df = df.where(F.col("alias") == alias)
    return df.orderBy("changed_at").collect()


def _current(client: Any, model: str, alias: str) -> str | None:
    from eventlake.io import registry

    version = registry.version_by_alias(client, model, alias)
    return None if version is None else str(version.version)


def move_alias(
    lake: Lake,
    client: Any,
    model: str,
    alias: str,
    to_version: str,
    reason: str,
    actor: str,
    git_sha: str,
    mlflow_run_id: str | None = None,
) -> bool:
    """Point `model@alias` at `to_version` and record the move. Returns False when the alias
    already pointed there (then only a missing history row is written)."""
    current = _current(client, model, alias)
    if current == to_version:
        rows = history(lake, model, alias)
        if rows and rows[-1]["to_version"] == to_version:
            return False
        # The alias moved, its row was never written (a stopped attempt): write it now.
        previous = rows[-1]["to_version"] if rows else None
        reason = f"{reason} (recorded after the move: the attempt that made it stopped)"
        move = AliasMove(model, alias, previous, to_version, reason, actor, mlflow_run_id, git_sha)
        moved = False
    else:
        from eventlake.io import registry

        registry.set_alias(client, model, alias, to_version)
        move = AliasMove(model, alias, current, to_version, reason, actor, mlflow_run_id, git_sha)
        moved = True
    row = {"changed_at": datetime.now(UTC).replace(tzinfo=None), **move.__dict__}
    lake.ensure("model_aliases")
    lake.append("model_aliases", lake.spark.createDataFrame([row], MODEL_ALIASES_SCHEMA))
    log.info("%s@%s: %s -> %s (%s)", model, alias, move.from_version, to_version, actor)
    return moved


def as_of(rows: list[Any], moment: datetime) -> dict[str, str]:
    """alias -> version as the history says it was at `moment` (naive UTC)."""
    held: dict[str, str] = {}
    for row in rows:
        if row["changed_at"] <= moment:
            held[row["alias"]] = row["to_version"]
    return held


def previous_version(rows: list[Any], alias: str, current: str) -> str | None:
    """The version `alias` held before it last moved to `current` (for a rollback)."""
    for row in reversed(rows):
        if row["alias"] == alias and row["to_version"] == current:
            return row["from_version"]
    return None
