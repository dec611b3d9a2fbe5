"""OpenLineage data-quality facets of an ETL run, from its counts, metrics and checks.

- `dataQualityMetrics` (DataQualityMetricsDatasetFacet, a dataset facet) on the outputs:
  `events` gets rowCount and bytes (the rows and the Parquet bytes its commit wrote:
  numOutputRows less numCopiedRows, numOutputBytes), fileCount (raw files read) and, per
  nullable contract column, nullCount; `amount` also gets min, max and quantiles
  0.5/0.95/0.99 over purchases. `quarantine` gets rowCount and bytes. distinctCount is left
  out: the run's distinct users and sessions are HyperLogLog sketch estimates (quality/metrics.py),
  not counts.
- `dataQualityAssertions` (DataQualityAssertionsDatasetFacet): in the spec an *input* dataset
  facet, so it is on the raw input, in `inputFacets`: one assertion per row rule (success = no
  row matched it; column = the raw field it reads, where there is one) and one per anomaly
  check that was evaluated with enough history (success = it did not fire).
"""

from __future__ import annotations

from typing import Any

from eventlake.contracts.rules import RULE_CODES
from eventlake.quality.metrics import NULLABLE_COLUMNS

# The raw field each row rule reads (malformed_record, invalid_encoding, invalid_type and
# conflicting_duplicate concern the whole record).
RULE_COLUMNS: dict[str, str] = {
    "missing_event_id": "event_id",
    "missing_user_id": "user_id",
    "invalid_event_time": "event_time",
    "event_time_in_future": "event_time",
    "unknown_event_type": "event_type",
    "missing_amount": "amount",
    "invalid_amount": "amount",
    "negative_amount": "amount",
    "unknown_device": "device",
    "unknown_country": "country",
}


def metrics_facets(
    rows: list[tuple[str, str, float | None]],
    events_rows: int | None,
    quarantine_rows: int | None,
    files: int,
    events_bytes: int | None = None,
    quarantine_bytes: int | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(events facets, quarantine facets): {"dataQualityMetrics": facet} each."""
    from openlineage.client.generated import data_quality_metrics_dataset as dq

    values = {(m, s): v for m, s, v in rows}
    clean = values.get(("rows_clean", "all")) or 0.0
    columns: dict[str, Any] = {}
    for column in NULLABLE_COLUMNS:
        rate = values.get((f"null_rate.{column}", "all"))
        if rate is None:
            continue
        columns[column] = dq.ColumnMetrics(nullCount=round(rate * clean))
    quantiles = {
        q: values.get((f"amount_p{round(float(q) * 100)}", "all")) for q in ("0.5", "0.95", "0.99")
    }
    if "amount" in columns and all(v is not None for v in quantiles.values()):
        columns["amount"].quantiles = quantiles
    if "amount" in columns:
        columns["amount"].min = values.get(("amount_min", "all"))
        columns["amount"].max = values.get(("amount_max", "all"))
    events = dq.DataQualityMetricsDatasetFacet(
        columnMetrics=columns,
        rowCount=events_rows,
        bytes=events_bytes,
        fileCount=files,
    )
    quarantine = dq.DataQualityMetricsDatasetFacet(
        columnMetrics={}, rowCount=quarantine_rows, bytes=quarantine_bytes
    )
    return {"dataQualityMetrics": events}, {"dataQualityMetrics": quarantine}


def assertions_facet(
    reason_counts: dict[str, int], severities: dict[str, str], checks: list[dict[str, Any]]
) -> dict[str, Any]:
    """{"dataQualityAssertions": facet} for the raw input's inputFacets."""
    from openlineage.client.generated import data_quality_assertions_dataset as dqa

    out = []
    for code in RULE_CODES:
        kwargs: dict[str, Any] = {}
        if code in RULE_COLUMNS:
            kwargs["column"] = RULE_COLUMNS[code]
        out.append(
            dqa.Assertion(
                assertion=code,
                success=reason_counts.get(code, 0) == 0,
                severity=severities.get(code),
                name=f"rule:{code}",
                actual=str(reason_counts.get(code, 0)),
                expected="0",
                **kwargs,
            )
        )
    for c in checks:
        if c["outcome"] == "no_history":
            continue
        kwargs = {}
        if str(c["metric"]).startswith("null_rate."):
            kwargs["column"] = str(c["metric"]).split(".", 1)[1]
        out.append(
            dqa.Assertion(
                assertion="anomaly",
                success=c["outcome"] == "ok",
                severity=c["severity"],
                name=f"anomaly:{c['check']}:{c['metric']}:{c['segment']}",
                actual=str(c["value"]),
                expected=f"near {c['baseline']} ({c['baseline_kind']})",
                **kwargs,
            )
        )
    return {"dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet(assertions=out)}


def with_quality_facets(inputs: list, outputs: list, result: Any, quality: Any, settings: Any):
    """The run's lineage datasets with the facets above: (inputs, outputs). `outputs[0]` is
    events and `outputs[1]` quarantine (jobs/etl_record.lineage_datasets), `inputs[0]` the raw
    day folder."""
    import dataclasses

    from eventlake.contracts.rules import effective_rules

    if quality is None:
        return inputs, outputs
    events_f, quarantine_f = metrics_facets(
        quality.rows,
        result.events_rows_written,
        result.quarantine_rows_written,
        len(result.files),
        result.events_bytes_written,
        result.quarantine_bytes_written,
    )
    severities = {
        r.code: r.severity.value for r in effective_rules(settings.etl.severity_overrides)
    }
    asserted = assertions_facet(result.reason_counts, severities, result.dq_checks)
    ins = [dataclasses.replace(inputs[0], input_facets=asserted), *inputs[1:]]
    outs = [
        dataclasses.replace(outputs[0], facets={**(outputs[0].facets or {}), **events_f}),
        dataclasses.replace(outputs[1], facets={**(outputs[1].facets or {}), **quarantine_f}),
        *outputs[2:],
    ]
    return ins, outs
