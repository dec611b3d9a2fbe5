"""Operators the DAG uses, each a small subclass that adds a clear message or a safety net.

Imported by the DAG file at parse time, so only Airflow's own modules at top level. The aws
target's operators live in `aws_operators` (imports the amazon provider) and are imported only
when the target is aws.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseSensorOperator
from airflow.sdk.exceptions import AirflowSensorTimeout

from eventlake.dates import resolve_run_date


def run_date_macro() -> Any:
    """`{{ eventlake_run_date() }}`: the validated run date (param `date`, else `ds`).

    A bad value fails the task with AirflowFailException while templates render, before the
    operator runs, and without retries (a retry cannot fix the input).
    """
    import jinja2

    @jinja2.pass_context
    def eventlake_run_date(ctx: Any) -> str:
        from airflow.sdk.exceptions import AirflowFailException

        from eventlake.errors import InvalidDate

        try:
            return resolve_run_date(ctx.get("params"), ctx.get("ds"))
        except InvalidDate as exc:
            raise AirflowFailException(str(exc)) from None

    return eventlake_run_date


class NamesTheUri:
    """Re-raise a sensor timeout with the URI that never appeared."""

    def _uri(self) -> str:
        raise NotImplementedError

    def execute(self, context: Any) -> Any:
        try:
            return super().execute(context)  # type: ignore[misc]
        except AirflowSensorTimeout as exc:
            raise AirflowSensorTimeout(
                f"no raw data at {self._uri()} after waiting {self.timeout:.0f}s "  # type: ignore[attr-defined]
                f"({exc}); check that the day's files were delivered"
            ) from exc


class RawDataSensor(NamesTheUri, BaseSensorOperator):
    """Local target: waits until `<raw-uri>/dt=<date>/` holds a raw log, or, when the conf
    names a ready marker or manifest (`raw.ready_marker`, `raw.manifest`), those objects."""

    template_fields = ("run_date",)

    def __init__(self, *, run_date: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.run_date = run_date
        self.raw_uri: str | None = None
        self.ready: Any = None

    def _uri(self) -> str:
        from eventlake.orchestration.tasks import raw_day_uri

        return raw_day_uri(self.raw_uri or "", self.run_date)

    def poke(self, context: Any) -> bool:
        from eventlake.orchestration.config import task_settings
        from eventlake.orchestration.tasks import raw_data_present

        if self.raw_uri is None:
            settings = task_settings()
            self.raw_uri, self.ready = settings.raw_uri, settings.raw.rule()
        waits_for = " and ".join(self.ready.objects) or "a raw log"
        self.log.info("poking for %s at %s", waits_for, self._uri())
        return raw_data_present(self.raw_uri, self.run_date, self.ready)
