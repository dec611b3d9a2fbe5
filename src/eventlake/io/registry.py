"""Every MLflow call of eventlake: connection, experiment, the training run's logging,
versions, aliases, model loading; and, re-exported from the two modules beside it, the
read-only summaries the DAG's thin tasks and the run report show (io/registry_outcome.py) and
the events versions the registered models pin (io/registry_pins.py). This is the only module
that imports mlflow: those two get MlflowClient and MlflowException from it.

Aliases, not stages: every registered version gets `challenger`; `champion` moves only through
the promotion rule (ml/promotion.py, pure). The jobs never import `mlflow` themselves.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from eventlake.errors import ConfigurationError

# Re-exported: every caller reaches MLflow as registry.<name>.
from eventlake.io.registry_outcome import (  # noqa: F401
    HEADLINE_METRICS,
    TRAINING_METRICS,
    describe_outcome,
    promotion_outcome,
    trained_for,
)
from eventlake.io.registry_pins import Pin, pinned_events_versions  # noqa: F401

log = logging.getLogger(__name__)

CHAMPION = "champion"
CHALLENGER = "challenger"
# The aliases the promotion outcome and a date's training read (io/registry_outcome.py).
ALIASES = (CHAMPION, CHALLENGER)
MODEL_ARTIFACT_PATH = "model"
FINGERPRINT_TAG = "data_fingerprint"
# Fail fast against an unreachable server instead of MLflow's default minutes of retries.
HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"}


def is_remote(tracking_uri: str) -> bool:
    return urlparse(tracking_uri).scheme in ("http", "https", "databricks", "arn")


def require_sagemaker_plugin(tracking_uri: str) -> None:
    """A SageMaker MLflow ARN needs the `sagemaker-mlflow` plugin (SigV4 auth, ARN -> URL)."""
    try:
        import sagemaker_mlflow  # noqa: F401
    except ImportError:
        raise ConfigurationError(
            f"MLflow tracking URI {tracking_uri} is a SageMaker MLflow tracking server ARN, but "
            "the sagemaker-mlflow plugin is not installed in this Python: install eventlake "
            "with its `aws` extra (`pip install 'eventlake[aws]'`; the release's EMR archive "
            "and the MWAA requirements carry it)"
        ) from None


def connect(tracking_uri: str) -> Any:
    """Point MLflow at `tracking_uri` and check it answers; returns an MlflowClient.

    Raises ConfigurationError, with the URI, when the store cannot be reached.
    """
    import mlflow
    from mlflow import MlflowClient

    if not tracking_uri:
        raise ConfigurationError(
            "no MLflow tracking URI: set MLFLOW_TRACKING_URI or ml.tracking_uri in the config"
        )
    if tracking_uri.startswith("arn:"):
        require_sagemaker_plugin(tracking_uri)
    if is_remote(tracking_uri):
        for key, value in HTTP_DEFAULTS.items():
            os.environ.setdefault(key, value)
    elif tracking_uri.startswith("sqlite:///"):
        Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(tracking_uri)
    client = MlflowClient(tracking_uri=tracking_uri)
    try:
        client.search_experiments(max_results=1)
    except Exception as exc:
        raise ConfigurationError(
            f"MLflow tracking server at {tracking_uri} is unreachable: "
            f"{type(exc).__name__}: {str(exc)[:300]}"
        ) from None
    return client


def client_for(tracking_uri: str) -> Any:
    """An MlflowClient of `tracking_uri` (MLflow's default store when empty), not checked like
    `connect`'s: for the read-only summaries of io/registry_outcome.py."""
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri or None)


def mlflow_exception() -> Any:
    """MlflowException, for the modules beside this one that catch it without importing mlflow."""
    from mlflow.exceptions import MlflowException

    return MlflowException


def ensure_experiment(client: Any, name: str, artifact_location: str | None) -> str:
    """The experiment id for `name`, created with `artifact_location` if it does not exist."""
    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        return str(client.create_experiment(name, artifact_location=artifact_location))
    if artifact_location and experiment.artifact_location.rstrip("/") != artifact_location.rstrip(
        "/"
    ):
        log.warning(
            "experiment %r keeps its artifact location %s (not %s)",
            name,
            experiment.artifact_location,
            artifact_location,
        )
    return str(experiment.experiment_id)


class TrackedRun:
    """An open MLflow run (`start_run`): what a job logs to it."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id

    def tags(self, tags: dict[str, str]) -> None:
        import mlflow

        mlflow.set_tags(tags)

    def params(self, params: dict[str, Any]) -> None:
        import mlflow

        mlflow.log_params(params)

    def metrics(self, metrics: dict[str, float]) -> None:
        import mlflow

        mlflow.log_metrics(metrics)

    def log_dict(self, value: dict[str, Any], artifact_file: str) -> None:
        import mlflow

        mlflow.log_dict(value, artifact_file)

    def log_spark_model(self, model: Any, example_pdf: Any, output_pdf: Any) -> None:
        """The PipelineModel as the run's MLflow model, with its signature and input example."""
        import mlflow
        import mlflow.spark
        import pyspark
        from mlflow.models import infer_signature

        mlflow.spark.log_model(
            model,
            artifact_path=MODEL_ARTIFACT_PATH,
            signature=infer_signature(example_pdf, output_pdf),
            input_example=example_pdf,
            # Pinned instead of inferred: inference starts a second JVM and takes ~30 s.
            pip_requirements=[f"pyspark=={pyspark.__version__}", f"mlflow=={mlflow.__version__}"],
        )


@contextmanager
def start_run(
    experiment_id: str | None = None, run_name: str | None = None, run_id: str | None = None
) -> Iterator[TrackedRun]:
    """A new run of `experiment_id`, or the existing run `run_id` reopened; ended on exit
    (FAILED when the block raises)."""
    import mlflow

    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name, run_id=run_id) as run:
        yield TrackedRun(run.info.run_id)


def tag_version(client: Any, model_name: str, version: str, tags: dict[str, str]) -> None:
    for key, value in tags.items():
        client.set_model_version_tag(model_name, version, key, value)


def load_run_dict(run_id: str, artifact_file: str) -> dict[str, Any] | None:
    """A JSON artifact the run logged with `TrackedRun.log_dict`; None when it has none."""
    import mlflow
    from mlflow.exceptions import MlflowException

    try:
        return mlflow.artifacts.load_dict(f"runs:/{run_id}/{artifact_file}")
    except (MlflowException, OSError):
        return None


def find_version_by_fingerprint(client: Any, model_name: str, value: str) -> Any | None:
    """The registered version of `model_name` tagged with this fingerprint, if any."""
    if not re.fullmatch(r"[0-9a-f]+", value):
        raise ValueError(f"bad fingerprint {value!r}")
    versions = client.search_model_versions(
        f"name = '{model_name}' and tags.{FINGERPRINT_TAG} = '{value}'"
    )
    return min(versions, key=lambda v: int(v.version)) if versions else None


def version_by_alias(client: Any, model_name: str, alias: str) -> Any | None:
    """The version behind `model_name@alias`, or None if the model or alias does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(model_name, alias)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise


def register(client: Any, model_name: str, run_id: str, tags: dict[str, str]) -> Any:
    """A new version of `model_name` from the run's logged model, tagged."""
    import mlflow

    try:
        client.get_registered_model(model_name)
    except Exception:
        client.create_registered_model(
            model_name, description="P(user has a high-value event tomorrow); eventlake train"
        )
    return mlflow.register_model(
        f"runs:/{run_id}/{MODEL_ARTIFACT_PATH}", model_name, tags=tags, await_registration_for=60
    )


def require_version(client: Any, model: str, version: str) -> None:
    from mlflow.exceptions import MlflowException

    from eventlake.errors import InputError

    try:
        client.get_model_version(model, version)
    except MlflowException as exc:
        if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            raise InputError(
                f"{model} has no version {version!r}: list them with the MLflow UI (`make ui`)"
            ) from None
        raise


def set_alias(client: Any, model_name: str, alias: str, version: str) -> None:
    client.set_registered_model_alias(model_name, alias, version)


def run_params(client: Any, run_id: str) -> dict[str, str]:
    return dict(client.get_run(run_id).data.params)


def run_tags(client: Any, run_id: str) -> dict[str, str]:
    return dict(client.get_run(run_id).data.tags)


def version_tags(client: Any, model_name: str, version: str) -> dict[str, str]:
    return dict(client.get_model_version(model_name, version).tags or {})


def version_lineage(
    client: Any, model_name: str, version: str, run_id: str | None
) -> tuple[list[str], str | None]:
    """(the aliases `version` holds, its run's experiment id) for the training's lineage."""
    aliases = list(client.get_model_version(model_name, version).aliases)
    experiment = client.get_run(run_id).info.experiment_id if run_id else None
    return aliases, experiment


def alias_uri(model_name: str, alias: str = "champion") -> str:
    """`models:/<name>@<alias>`: the model version an alias holds when the URI is loaded."""
    return f"models:/{model_name}@{alias}"


def parse_models_uri(uri: str) -> tuple[str, str | None, str | None]:
    """`models:/name@alias` -> (name, alias, None); `models:/name/3` -> (name, None, "3")."""
    if not uri.startswith("models:/"):
        raise ValueError(f"{uri} is not a models:/ URI")
    rest = uri.removeprefix("models:/").strip("/")
    if "@" in rest:
        name, alias = rest.split("@", 1)
        return name, alias, None
    name, _, version = rest.rpartition("/")
    return (name, None, version) if name else (rest, None, None)


def resolve_version(client: Any, uri: str) -> Any | None:
    """The registered version a models:/ URI points at (None for other URIs)."""
    if not uri.startswith("models:/"):
        return None
    name, alias, version = parse_models_uri(uri)
    if alias:
        found = version_by_alias(client, name, alias)
        if found is None:
            raise ConfigurationError(f"{uri}: model {name!r} has no alias {alias!r}")
        return found
    if version:
        return client.get_model_version(name, version)
    return None


@dataclass(frozen=True)
class ModelInfo:
    """What the scoring jobs need to know about a model URI's training run."""

    uri: str
    version: str | None
    window_days: int | None
    train_positive_rate: float | None


def describe(client: Any, uri: str) -> ModelInfo:
    """Version, window and training base rate behind a model URI (None when not recorded)."""
    version = resolve_version(client, uri)
    run_id = version.run_id if version is not None else None
    if run_id is None and uri.startswith("runs:/"):
        run_id = uri.removeprefix("runs:/").split("/", 1)[0]
    window = rate = None
    if run_id:
        run = client.get_run(run_id)
        if "window_days" in run.data.params:
            window = int(run.data.params["window_days"])
        rate = run.data.metrics.get("train_positive_rate")
    return ModelInfo(uri, str(version.version) if version else None, window, rate)


def load_model(uri: str) -> Any:
    """The PipelineModel behind any MLflow model URI (models:/name@alias, runs:/...)."""
    import mlflow.spark
    from mlflow.exceptions import MlflowException

    try:
        return mlflow.spark.load_model(uri)
    except MlflowException as exc:
        raise ConfigurationError(f"cannot load model {uri}: {exc.message[:300]}") from None


_MLFLOW_TYPES = {
    "string": "string",
    "boolean": "boolean",
    "integer": "integer",
    "long": "long",
    "float": "float",
    "double": "double",
    "date": "datetime",
    "timestamp": "datetime",
    "binary": "binary",
}


def log_delta_input(
    client: Any,
    run_id: str,
    path: str,
    version: int,
    schema: Any,
    profile: dict[str, Any],
    context: str = "training",
) -> None:
    """Record the Delta table (path + version) a run read, as an MLflow dataset input.

    Same source as `mlflow.data.load_delta(path=, version=)` logs, built directly: the
    SparkDataset would run a Python pass over the whole table for its row-count profile and
    cannot type decimal columns; here the schema comes from Spark's and the profile from us.
    """
    import json

    from mlflow.entities import Dataset, DatasetInput, InputTag

    colspec = [
        {
            "type": _MLFLOW_TYPES.get(f.dataType.typeName(), "double"),
            "name": f.name,
            "required": not f.nullable,
        }
        for f in schema.fields
    ]
    dataset = Dataset(
        name=f"{path.rstrip('/').rsplit('/', 1)[-1]}@v{version}",
        digest=hashlib.sha256(f"path={path};version={version}".encode()).hexdigest()[:8],
        source_type="delta_table",
        source=json.dumps({"path": path, "delta_table_version": version}),
        schema=json.dumps({"mlflow_colspec": colspec}),
        profile=json.dumps(profile, default=str),
    )
    tags = [InputTag(key="mlflow.data.context", value=context)]
    client.log_inputs(run_id, datasets=[DatasetInput(dataset=dataset, tags=tags)])
