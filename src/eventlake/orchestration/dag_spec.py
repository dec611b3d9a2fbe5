"""What the DAG files are declared with, as plain data: the `DagSpec`.

The scheduler parses a DAG file again and again (MWAA: every 30 s), so parsing reads no conf
file and no Airflow Variable, and imports neither yaml, `eventlake.settings` nor pyspark. What
shapes the graph (the target, the two schedules, catchup, the objects that mark a day's raw
drop ready) and the part of an EMR job's Spark confs that comes from the conf are resolved
once from `Settings`, by whoever makes the DAG folder ready, and read here as JSON:

- `EVENTLAKE_DAG_SPEC` (the JSON itself): `eventlake run`, `eventlake ui` and the tests set
  it; `eventlake dag-spec` prints it for an Airflow of your own;
- else the key `dag_spec` of `eventlake_release.json` beside the DAG files, which
  `eventlake deploy` writes from the aws conf (MWAA).

The locations (raw, lake, artifacts, registry) are not in the spec: a task resolves them when
it runs (`eventlake.orchestration.config.task_settings`).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventlake.errors import ConfigurationError

if TYPE_CHECKING:
    from eventlake.settings import Settings

ENV_VAR = "EVENTLAKE_DAG_SPEC"
DEPLOYMENT_FILE = "eventlake_release.json"
TARGETS = ("local", "aws")
HOW = (
    f"set {ENV_VAR} to the output of `eventlake dag-spec` (eventlake run and eventlake ui set "
    f"it), or deploy the DAG with `eventlake deploy`, which writes {DEPLOYMENT_FILE}"
)


@dataclass(frozen=True)
class DagSpec:
    """The parse-time values of eventlake's DAGs.

    `job_confs`: the Spark confs an EMR Serverless job gets from the conf (Delta, UTC, AQE,
    shuffle partitions...), without EMR's own (`eventlake.orchestration.emr` adds those); empty
    for the local target, whose tasks resolve their settings when they run.
    `lineage_url`: the jobs' OpenLineage HTTP endpoint when the transport is http, else None.
    """

    target: str
    schedule: str
    catchup: bool
    maintenance_schedule: str
    ready_objects: tuple[str, ...] = ()
    lineage_namespace: str = "eventlake"
    lineage_url: str | None = None
    job_confs: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        doc = asdict(self)
        doc["ready_objects"] = list(self.ready_objects)
        return json.dumps(doc, sort_keys=True)

    @classmethod
    def from_doc(cls, doc: Any, source: str) -> DagSpec:
        """The spec in `doc` (a parsed JSON object); a ConfigurationError naming `source` and
        the field when it is not one."""

        def bad(what: str) -> ConfigurationError:
            return ConfigurationError(f"the DAG spec in {source} is not valid: {what}; {HOW}")

        if not isinstance(doc, dict):
            raise bad("not a JSON object")
        names = {f for f in cls.__dataclass_fields__}
        if set(doc) != names:
            missing, unknown = sorted(names - set(doc)), sorted(set(doc) - names)
            raise bad(f"missing {missing}, unknown {unknown}")
        if doc["target"] not in TARGETS:
            raise bad(f"target is {doc['target']!r}, not one of {list(TARGETS)}")
        for name in ("schedule", "maintenance_schedule", "lineage_namespace"):
            if not isinstance(doc[name], str) or not doc[name].strip():
                raise bad(f"{name} is not a non-empty string")
        if not isinstance(doc["catchup"], bool):
            raise bad("catchup is not true or false")
        ready, confs, url = doc["ready_objects"], doc["job_confs"], doc["lineage_url"]
        if not isinstance(ready, list) or not all(isinstance(o, str) and o for o in ready):
            raise bad("ready_objects is not a list of object names")
        if not isinstance(confs, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in confs.items()
        ):
            raise bad("job_confs is not an object of strings")
        if doc["target"] == "aws" and "spark.sql.extensions" not in confs:
            raise bad("the aws target has no job_confs (an EMR job would run without Delta)")
        if url is not None and not isinstance(url, str):
            raise bad("lineage_url is not a string or null")
        return cls(**{**doc, "ready_objects": tuple(ready)})

    @classmethod
    def from_json(cls, text: str, source: str) -> DagSpec:
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise ConfigurationError(f"{source} is not readable JSON ({exc}); {HOW}") from None
        return cls.from_doc(doc, source)

    @classmethod
    def from_settings(cls, settings: Settings) -> DagSpec:
        """The spec of `settings` (their target's). Not called at parse time: it needs the
        conf, and on the aws target pyspark's conf names."""
        aws = settings.airflow.target == "aws"
        url = None
        confs: dict[str, str] = {}
        if aws:
            from eventlake.orchestration.emr import job_lineage_url
            from eventlake.spark import S3_IMPL_CONF, spark_confs

            confs = spark_confs(settings, jars=False)
            # EMR serves s3:// with EMRFS (its own S3 client, the job role's credentials).
            confs.pop(S3_IMPL_CONF, None)
            if settings.lineage.transport == "http":
                url = job_lineage_url(settings.lineage.url)
        return cls(
            target=settings.airflow.target,
            schedule=settings.airflow.schedule,
            catchup=settings.airflow.catchup,
            maintenance_schedule=settings.maintenance.schedule,
            ready_objects=tuple(settings.raw.rule().objects),
            lineage_namespace=settings.lineage.namespace,
            lineage_url=url,
            job_confs=confs,
        )


def dag_spec(dags_dir: Path) -> DagSpec:
    """The spec the DAG files in `dags_dir` are declared with: EVENTLAKE_DAG_SPEC, else the
    `dag_spec` of `eventlake_release.json` there; a ConfigurationError saying how to give one
    when there is neither."""
    text = os.environ.get(ENV_VAR, "").strip()
    if text:
        return DagSpec.from_json(text, ENV_VAR)
    path = dags_dir / DEPLOYMENT_FILE
    try:
        raw = path.read_text()
    except FileNotFoundError:
        raise ConfigurationError(f"the DAGs in {dags_dir} have no DAG spec: {HOW}") from None
    except OSError as exc:
        raise ConfigurationError(f"{path} is not readable ({exc}); redeploy the DAG") from None
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{path} is not readable JSON ({exc}); redeploy the DAG") from None
    if not isinstance(doc, dict) or "dag_spec" not in doc:
        raise ConfigurationError(
            f"{path} has no dag_spec (written by an older eventlake deploy); redeploy the DAG"
        )
    return DagSpec.from_doc(doc["dag_spec"], str(path))
