"""MLflow tracking and registry: connection, experiment, versions, aliases and the promotion gate.

Aliases, not stages: every registered version gets `challenger`; `champion` moves only through
`decide_promotion`. Versions carry a `data_fingerprint` tag (training date, events Delta
version, window and split settings) so a retry of the same training finds its version instead
of registering a second one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from eventlake.errors import ConfigurationError

log = logging.getLogger(__name__)

CHAMPION = "champion"
CHALLENGER = "challenger"
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
    from eventlake.spark import drop_jar_paths

    drop_jar_paths()  # MLflow looks up package metadata; Spark's jars make that slow
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


def fingerprint(**parts: object) -> str:
    """A short stable digest of the training inputs, e.g. date and events Delta version."""
    text = ";".join(f"{k}={parts[k]}" for k in sorted(parts))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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
class GateDecision:
    promote: bool
    reason: str


def decide_promotion(
    new_score: float,
    champion_score: float | None,
    min_uplift: float,
    etl_gate_passed: bool | None,
    etl_gate_detail: str,
    gate_enabled: bool = True,
) -> GateDecision:
    """Whether `champion` moves to the new version, and why (pure: the rule in one place).

    Both conditions must hold: the latest ETL run for the training date passed its quality
    gate, and the new version beats the champion's score on the same holdout by at least
    `min_uplift`. Without a champion the first condition alone decides.
    """
    if not gate_enabled:
        return GateDecision(True, "promotion gate disabled (ml.promotion_gate: false)")
    if not etl_gate_passed:
        return GateDecision(False, f"ETL gate not passed: {etl_gate_detail}")
    if champion_score is None:
        return GateDecision(True, f"first version: no champion yet; {etl_gate_detail}")
    uplift = new_score - champion_score
    if uplift >= min_uplift:
        return GateDecision(
            True,
            f"holdout ROC-AUC {new_score:.4f} beats champion {champion_score:.4f} by "
            f"{uplift:+.4f} >= {min_uplift}; {etl_gate_detail}",
        )
    return GateDecision(
        False,
        f"holdout ROC-AUC {new_score:.4f} vs champion {champion_score:.4f}: uplift "
        f"{uplift:+.4f} < {min_uplift}",
    )


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
        digest=fingerprint(path=path, version=version)[:8],
        source_type="delta_table",
        source=json.dumps({"path": path, "delta_table_version": version}),
        schema=json.dumps({"mlflow_colspec": colspec}),
        profile=json.dumps(profile, default=str),
    )
    tags = [InputTag(key="mlflow.data.context", value=context)]
    client.log_inputs(run_id, datasets=[DatasetInput(dataset=dataset, tags=tags)])


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
    from mlflow.exceptions import MlflowException

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
