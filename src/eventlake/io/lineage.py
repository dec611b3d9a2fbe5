"""OpenLineage events from Python (the Spark listener jar is not available everywhere).

START, then COMPLETE or FAIL, per run; inputs and outputs with schema facets; the events
output carries a column-lineage facet built from the contract. Transport
(`lineage.transport`): `file`, one JSON-lines file (the local default); `bucket`, one object
per event under `<artifacts>/lineage/` (the AWS default, so lineage is on there without a
server); `http`, POST to `lineage.url` ($OPENLINEAGE_URL, which also selects it).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from eventlake.errors import ConfigurationError
from eventlake.settings import Settings
from eventlake.settings_checks import parse_run_ref

log = logging.getLogger(__name__)

PRODUCER = "https://github.com/eventlake/eventlake"


@dataclass(frozen=True)
class DatasetRef:
    uri: str
    fields: tuple[tuple[str, str], ...] = ()  # (name, type)
    column_sources: dict[str, tuple[str, ...]] | None = None
    input_uri: str | None = None  # the dataset column lineage points at
    namespace_name: tuple[str, str] | None = None  # instead of the one derived from `uri`
    facets: dict[str, Any] | None = None  # more dataset facets (OpenLineage facet objects)
    input_facets: dict[str, Any] | None = None  # an input's inputFacets (e.g. assertions)


def dataset_name(uri: str) -> tuple[str, str]:
    """OpenLineage naming: namespace = scheme://authority, name = path."""
    parsed = urlparse(uri)
    if parsed.scheme in ("s3", "s3a"):
        return f"s3://{parsed.netloc}", parsed.path.lstrip("/")
    return "file", parsed.path


def lineage_prefix(settings: Settings) -> str:
    """Where the `bucket` transport writes: `<artifacts>/lineage`."""
    from eventlake.io.bucket import join

    return join(settings.artifacts_uri, "lineage")


def _bucket_transport(prefix: str) -> Any:
    from openlineage.client.serde import Serde
    from openlineage.client.transport import Transport

    from eventlake.io.bucket import join, write_bytes

    class BucketTransport(Transport):
        """Each event is one object `<prefix>/<job>/<run id>/<time>-<type>.json`: objects are
        never appended to, so this works on S3 and a local folder alike."""

        kind = "eventlake-bucket"

        def emit(self, event: Any) -> None:
            at = datetime.fromisoformat(event.eventTime).astimezone(UTC)
            stamp = at.strftime("%Y%m%dT%H%M%S%fZ")
            name = f"{stamp}-{event.eventType.value}.json"
            uri = join(prefix, event.job.name, event.run.runId, name)
            write_bytes(uri, Serde.to_json(event).encode("utf-8"))

    return BucketTransport()


def _client(settings: Settings):
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport.file import FileConfig, FileTransport
    from openlineage.client.transport.http import HttpConfig, HttpTransport

    lineage = settings.lineage
    if lineage.transport == "bucket":
        return OpenLineageClient(transport=_bucket_transport(lineage_prefix(settings)))
    if lineage.transport == "http":
        if not lineage.url:  # the settings refuse this; a hand-built Settings may not
            raise ConfigurationError(
                "lineage.transport is http but no URL is set: set OPENLINEAGE_URL or lineage.url"
            )
        config = HttpConfig.from_dict(
            {
                "url": lineage.url,
                "timeout": 5,
                **({"endpoint": lineage.endpoint} if lineage.endpoint else {}),
            }
        )
        return OpenLineageClient(transport=HttpTransport(config))
    path = Path(settings.lineage.file_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return OpenLineageClient(
        transport=FileTransport(FileConfig(log_file_path=str(path), append=True))
    )


def _dataset(ref: DatasetRef, output: bool) -> Any:
    from openlineage.client.event_v2 import InputDataset, OutputDataset
    from openlineage.client.generated import column_lineage_dataset as cl
    from openlineage.client.generated import schema_dataset

    namespace, name = ref.namespace_name or dataset_name(ref.uri)
    facets: dict[str, Any] = dict(ref.facets or {})
    if ref.fields:
        facets["schema"] = schema_dataset.SchemaDatasetFacet(
            fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in ref.fields]
        )
    if ref.column_sources and ref.input_uri:
        in_ns, in_name = dataset_name(ref.input_uri)
        facets["columnLineage"] = cl.ColumnLineageDatasetFacet(
            fields={
                out: cl.Fields(
                    inputFields=[
                        cl.InputField(namespace=in_ns, name=in_name, field=src) for src in sources
                    ],
                    transformationDescription="cleansed, typed and validated per the contract",
                    transformationType="",
                )
                for out, sources in ref.column_sources.items()
            }
        )
    if not output and ref.input_facets:
        return InputDataset(
            namespace=namespace, name=name, facets=facets, inputFacets=dict(ref.input_facets)
        )
    cls = OutputDataset if output else InputDataset
    return cls(namespace=namespace, name=name, facets=facets)


class LineageRun:
    """One job run's lineage. Emission problems are logged, never fail the data job."""

    def __init__(
        self, settings: Settings, job_name: str, run_id: str, day: date | None = None
    ) -> None:
        self.settings = settings
        self.job_name = job_name
        self.run_id = run_id
        self.day = day  # the date the run is for: the standard `nominalTime` run facet
        self._client = None
        try:
            self._client = _client(settings)
        except Exception as exc:
            log.warning("OpenLineage disabled for this run: %s", exc)

    def _emit(
        self,
        state: str,
        inputs: list[DatasetRef],
        outputs: list[DatasetRef],
        run_facets: dict[str, Any] | None = None,
    ) -> None:
        if self._client is None:
            return
        from openlineage.client.event_v2 import Job, Run, RunEvent, RunState

        facets = {**parent_facet(self.settings), **nominal_time_facet(self.day)}
        facets.update(run_facets or {})
        event = RunEvent(
            eventType=getattr(RunState, state),
            eventTime=datetime.now(UTC).isoformat(),
            run=Run(runId=self.run_id, facets=facets),
            job=Job(namespace=self.settings.lineage.namespace, name=self.job_name),
            producer=PRODUCER,
            inputs=[_dataset(r, output=False) for r in inputs],
            outputs=[_dataset(r, output=True) for r in outputs],
        )
        try:
            self._client.emit(event)
        except Exception as exc:  # lineage must not break the pipeline
            log.warning("OpenLineage %s event not sent: %s", state, exc)

    def start(self, inputs: list[DatasetRef], outputs: list[DatasetRef]) -> None:
        self._emit("START", inputs, outputs)

    def complete(
        self,
        inputs: list[DatasetRef],
        outputs: list[DatasetRef],
        run_facets: dict[str, Any] | None = None,
    ) -> None:
        self._emit("COMPLETE", inputs, outputs, run_facets)

    def fail(self, inputs: list[DatasetRef], outputs: list[DatasetRef], error: str) -> None:
        from openlineage.client.generated import error_message_run

        facets = {
            "errorMessage": error_message_run.ErrorMessageRunFacet(
                message=error, programmingLanguage="python"
            )
        }
        self._emit("FAIL", inputs, outputs, facets)


def nominal_time_facet(day: date | None) -> dict[str, Any]:
    """{"nominalTime": ...}: the UTC day a daily run is for, [D 00:00, D+1 00:00); {} without."""
    if day is None:
        return {}
    from openlineage.client.generated.nominal_time_run import NominalTimeRunFacet

    return {
        "nominalTime": NominalTimeRunFacet(
            nominalStartTime=f"{day.isoformat()}T00:00:00Z",
            nominalEndTime=f"{(day + timedelta(days=1)).isoformat()}T00:00:00Z",
        )
    }


def parent_facet(settings: Settings) -> dict[str, Any]:
    """{"parent": ParentRunFacet} naming the run that started this job (the Airflow task run)
    and its root (the DAG run), from `lineage.parent_run` / `root_run`; {} without a parent."""
    from openlineage.client.generated import parent_run as pr

    parent = settings.lineage.parent_run and parse_run_ref(settings.lineage.parent_run)
    if not parent:
        return {}
    root = settings.lineage.root_run and parse_run_ref(settings.lineage.root_run)
    return {
        "parent": pr.ParentRunFacet(
            run=pr.Run(runId=parent[2]),
            job=pr.Job(namespace=parent[0], name=parent[1]),
            root=pr.Root(
                run=pr.RootRun(runId=root[2]), job=pr.RootJob(namespace=root[0], name=root[1])
            )
            if root
            else None,
        )
    }


def version_facet(version: object) -> Any:
    """The standard `version` dataset facet (DatasetVersionDatasetFacet), e.g. a Delta version."""
    from openlineage.client.generated.dataset_version_dataset import DatasetVersionDatasetFacet

    return DatasetVersionDatasetFacet(datasetVersion=str(version))


FACET_SCHEMAS = "https://github.com/eventlake/eventlake/blob/main/src/eventlake/contracts/facets"


def model_version_facet(version: str, aliases: list[str], pipeline_model_uri: str | None) -> Any:
    """eventlake's `modelVersion` dataset facet: the registered version and its aliases."""
    import attr
    from openlineage.client.generated.base import DatasetFacet

    @attr.define
    class ModelVersionDatasetFacet(DatasetFacet):
        version: str
        aliases: list[str]
        pipelineModelUri: str | None

        @staticmethod
        def _get_schema() -> str:
            return f"{FACET_SCHEMAS}/ModelVersionDatasetFacet.json#/$defs/ModelVersionDatasetFacet"

    return ModelVersionDatasetFacet(
        version=version, aliases=sorted(aliases), pipelineModelUri=pipeline_model_uri
    )


def mlflow_run_facet(run_id: str | None, experiment_id: str | None) -> Any:
    """eventlake's `mlflowRun` run facet: the MLflow run that a training run logged into."""
    import attr
    from openlineage.client.generated.base import RunFacet

    @attr.define
    class MlflowRunRunFacet(RunFacet):
        runId: str | None
        experimentId: str | None

        @staticmethod
        def _get_schema() -> str:
            return f"{FACET_SCHEMAS}/MlflowRunRunFacet.json#/$defs/MlflowRunRunFacet"

    return MlflowRunRunFacet(runId=run_id, experimentId=experiment_id)


def with_versions(refs: list[DatasetRef], versions: Mapping[str, object]) -> list[DatasetRef]:
    """`refs` with the standard `version` facet on those whose URI has a version (not None)."""
    return [
        ref
        if versions.get(ref.uri) is None
        else dataclasses.replace(
            ref, facets={**(ref.facets or {}), "version": version_facet(versions[ref.uri])}
        )
        for ref in refs
    ]


def read_events(settings: Settings) -> tuple[str, list[dict[str, Any]]]:
    """(where, every event this installation's jobs wrote), in the order they were written:
    the JSON-lines file, or the objects of the `bucket` transport. `http` cannot be read back."""
    from eventlake.io.bucket import list_objects, read_bytes

    lineage = settings.lineage
    if lineage.transport == "http":
        raise ConfigurationError(
            f"lineage goes to {lineage.url} (lineage.transport http): read it there, e.g. in "
            "Marquez's UI; `eventlake lineage` reads the file and bucket transports"
        )
    if lineage.transport == "bucket":
        prefix = lineage_prefix(settings)
        objects = sorted(list_objects(prefix), key=lambda o: o.uri.rsplit("/", 1)[-1])
        events = [json.loads(read_bytes(o.uri)) for o in objects if o.uri.endswith(".json")]
        return prefix, events
    path = Path(lineage.file_path)
    if not path.is_file():
        return str(path), []
    return str(path), [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
