"""The automatic rollback step of `eventlake monitor --date D` (`ml.auto_rollback`): the policy
from the settings, the previous champion it goes back to, and the move ml/rollback.decide asks
for once D's rows are written."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from eventlake.jobs.monitor_steps import REALIZED
from eventlake.settings import Settings

if TYPE_CHECKING:
    from eventlake.io.lake import Lake

# the monitor job's logger: its log lines name the job, as before the step moved here
log = logging.getLogger("eventlake.jobs.monitor")


def rollback_policy(settings: Settings) -> Any:
    from eventlake.ml.rollback import RollbackPolicy

    ml = settings.ml
    return RollbackPolicy(
        bool(ml.auto_rollback),
        None if ml.auto_rollback_roc_auc_floor is None else float(ml.auto_rollback_roc_auc_floor),
        int(ml.auto_rollback_days),
        bool(ml.auto_rollback_below_previous),
    )


def previous_champion(spark: Any, settings: Settings, champion: Any) -> str | None:
    """The version champion held before its last recorded move (what a rollback goes to)."""
    from eventlake.io import registry
    from eventlake.io.lake import Lake
    from eventlake.ml import aliases

    if champion is None:
        return None
    lake = Lake(spark, settings.lake_uri)
    rows = aliases.history(lake, settings.ml.model_name, registry.CHAMPION)
    return aliases.previous_version(rows, registry.CHAMPION, str(champion.version))


def auto_rollback(
    spark: Any,
    settings: Settings,
    client: Any,
    day: date,
    champion: str | None,
    previous: str | None,
    policy: Any,
) -> dict[str, Any] | None:
    """Move champion back when ml/rollback.decide says so, from the realized ROC-AUC rows of
    the last `policy.days` dates. Returns the automatic rollback recorded for `day` (made now
    or by an earlier attempt of this date: a retry reports it again), None when there is none."""
    from pyspark.sql import functions as F

    from eventlake.io import registry
    from eventlake.io.lake import Lake
    from eventlake.ml import aliases, rollback

    ml = settings.ml
    lake = Lake(spark, settings.lake_uri)
    first = day - timedelta(days=policy.days - 1)
    rows = [
        r.asDict()
        for r in lake.model_monitoring()
        .where(
            F.col("date").between(F.lit(first), F.lit(day))
            & (F.col("kind") == REALIZED)
            & (F.col("metric") == rollback.METRIC)
        )
        .select("date", "model_version", "role", "metric", "status", "value")
        .collect()
    ]
    decision = rollback.decide(rows, day, champion, previous, policy)
    if decision is not None:
        _move_back(lake, settings, client, day, champion, decision)
    prefix = rollback.reason_prefix(day)
    made = [
        r
        for r in aliases.history(lake, ml.model_name, registry.CHAMPION)
        if r["actor"] == rollback.ACTOR and str(r["reason"]).startswith(prefix)
    ]
    if not made:
        return None
    last = made[-1]
    return {
        "from_version": last["from_version"],
        "to_version": last["to_version"],
        "reason": last["reason"],
        "table": lake.uri("model_aliases"),
    }


def _move_back(
    lake: Lake,
    settings: Settings,
    client: Any,
    day: date,
    champion: str | None,
    decision: Any,
) -> None:
    """Move champion to `decision.to_version` unless it moved since `champion` was read."""
    # Under the lake's lease, as every alias move (jobs/promote.move): a training or a move
    # by hand that moved champion since this run read it wins, and nothing is rolled back.
    from eventlake.io import lease, registry
    from eventlake.jobs.train import git_sha
    from eventlake.ml import aliases, rollback

    ml = settings.ml
    owner = lease.default_owner(f"eventlake monitor --date {day.isoformat()} (auto-rollback)")
    ttl, wait = settings.etl.lease_ttl_seconds, settings.etl.lease_wait_seconds
    with lease.hold(settings.lake_uri, owner, ttl, wait):
        now = registry.version_by_alias(client, ml.model_name, registry.CHAMPION)
        if now is not None and str(now.version) == champion:
            aliases.move_alias(
                lake,
                client,
                ml.model_name,
                registry.CHAMPION,
                decision.to_version,
                decision.reason,
                rollback.ACTOR,
                git_sha(settings),
            )
        else:
            log.warning(
                "auto-rollback of %s skipped: champion moved from %s to %s since it was read",
                day,
                champion,
                None if now is None else now.version,
            )
