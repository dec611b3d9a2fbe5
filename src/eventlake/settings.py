"""One frozen Settings object, resolved once at the edge (the CLI, a DAG task) and passed down.

Where a setting comes from, first match wins:

1. an environment variable (`ENV_OVERRIDES`, e.g. EVENTLAKE_LAKE_URI, MLFLOW_TRACKING_URI);
2. for a DAG task only, the Airflow Variable of the same meaning (`lookup`, e.g.
   `eventlake_lake_uri`: Terraform writes them on MWAA);
3. the conf: `conf/<env>.yaml` laid over `conf/base.yaml`. `base.yaml` holds every key with
   its default, written once; `local.yaml` and `aws.yaml` hold only what differs.

EVENTLAKE_ENV picks the environment (default ``local``); EVENTLAKE_CONF_FILE points at another
file laid over base.yaml instead of `<env>.yaml`. Relative paths in the conf (`home`,
`dags_dir`, `sample_dir`) are relative to the working directory; EVENTLAKE_HOME overrides the
state dir. `{home}` in a conf value expands to the state dir.

Environment variables are read here and nowhere else in the pipeline: code below the edge
gets a `Settings` argument. Credentials never live here: they come from the environment or
IAM, read by the AWS clients themselves.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from eventlake.errors import ConfigurationError
from eventlake.settings_checks import validate

CONF_DIR = Path(__file__).parent / "conf"
BASE_CONF = CONF_DIR / "base.yaml"
# The source checkout. Only the release, deploy and bench tools use it (they work on a
# checkout); pipeline code takes its paths from Settings.
PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Settings an environment variable overrides: dotted field -> (variables, first set wins;
# Airflow Variable or None). The Airflow Variable is consulted by DAG tasks only.
ENV_OVERRIDES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "home": (("EVENTLAKE_HOME",), None),
    "raw_uri": (("EVENTLAKE_RAW_URI",), "eventlake_raw_uri"),
    "lake_uri": (("EVENTLAKE_LAKE_URI",), "eventlake_lake_uri"),
    "artifacts_uri": (("EVENTLAKE_ARTIFACTS_URI",), "eventlake_artifacts_uri"),
    "sample_dir": (("EVENTLAKE_SAMPLE_DIR",), None),
    "git_sha": (("EVENTLAKE_GIT_SHA",), None),
    "spark.log_level": (("EVENTLAKE_SPARK_LOG_LEVEL",), None),
    "ml.tracking_uri": (("MLFLOW_TRACKING_URI",), "eventlake_mlflow_tracking_uri"),
    # The ip hash key's secret (its ARN on AWS, never the key itself).
    "etl.ip_hash_secret": (("EVENTLAKE_IP_HASH_SECRET",), "eventlake_ip_hash_secret_arn"),
    "lineage.url": (("OPENLINEAGE_URL",), None),
    "lineage.endpoint": (("OPENLINEAGE_ENDPOINT",), None),
    # The names OpenLineage's integrations use for a parent passed to a child job.
    "lineage.parent_run": (("OPENLINEAGE_PARENT_ID",), None),
    "lineage.root_run": (("OPENLINEAGE_ROOT_PARENT_ID",), None),
    "airflow.target": (("EVENTLAKE_TARGET",), "eventlake_target"),
    "airflow.local_runner": (("EVENTLAKE_LOCAL_RUNNER",), None),
    "airflow.sns_topic_arn": (("EVENTLAKE_SNS_TOPIC_ARN",), "eventlake_sns_topic_arn"),
    # The S3 endpoint and region are the ones boto3 reads from the same variables, so Spark,
    # deltalake and boto3 always talk to the same S3.
    "aws.endpoint_url": (("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"), None),
    "aws.region": (("AWS_REGION", "AWS_DEFAULT_REGION"), None),
}


@dataclass(frozen=True)
class SparkSettings:
    master: str | None
    driver_memory: str | None
    shuffle_partitions: int
    delta_snapshot_partitions: int | None
    ivy_dir: str
    resolve_packages: bool
    ui: bool
    driver_java_options: str | None
    log_level: str | None


@dataclass(frozen=True)
class RawSettings:
    """How a drop `<raw-uri>/dt=D/` says it is complete (io/names.py): an object name the
    producer writes last (`ready_marker`, e.g. _SUCCESS), and/or a manifest object listing
    the drop's files with their sizes (`manifest`). None: marker-free, the first raw log
    is the signal."""

    ready_marker: str | None
    manifest: str | None

    def rule(self) -> Any:
        from eventlake.io.names import ReadyRule

        return ReadyRule(self.ready_marker, self.manifest)


@dataclass(frozen=True)
class EtlSettings:
    max_reject_ratio: float
    high_value_threshold: float
    future_tolerance_days: int
    # The cross-date duplicate check's window in days (jobs/replay.py).
    dedupe_lookback_days: int
    # One writer at a time (io/lease.py): a run waits this long for the lake's lease, and
    # holds it with this time to live (renewed every third of it while the run is alive).
    lease_wait_seconds: float
    lease_ttl_seconds: float
    severity_overrides: dict[str, str]
    # Laid over the contract's drift policy (contracts/drift.py): new_field, type_change.
    drift_policy: dict[str, Any]
    # Secrets Manager secret (name or ARN) holding the ip hash key; None: a local key file.
    ip_hash_secret: str | None
    # Data-quality metrics, their anomaly checks and the run report (eventlake.quality);
    # off only to measure what they cost (the bench).
    dq_metrics: bool
    # For measurement only (the bench's --count-cost): the independent record count
    # (io/recordcount.py) and its per-file checks; the JSON lines' unknown-field work
    # (`_rescued`). Off, the run says so in its etl_runs message and log.
    record_count: bool
    rescue_fields: bool


@dataclass(frozen=True)
class LineageSettings:
    transport: str
    file_path: str
    url: str | None
    endpoint: str | None
    namespace: str
    parent_run: str | None
    root_run: str | None


@dataclass(frozen=True)
class MlSettings:
    model_name: str
    window_days: int
    holdout_days: int
    min_uplift: float
    promotion_gate: bool
    tracking_uri: str | None
    # model-monitoring threshold name -> warn | fail (contracts/monitoring.py)
    monitor_severity_overrides: dict[str, str]
    # automatic rollback of champion by `eventlake monitor` (ml/rollback.py)
    auto_rollback: bool
    auto_rollback_roc_auc_floor: float | None
    auto_rollback_days: int
    auto_rollback_below_previous: bool


@dataclass(frozen=True)
class AirflowSettings:
    schedule: str
    catchup: bool
    target: str
    local_runner: str
    sns_topic_arn: str | None


@dataclass(frozen=True)
class MaintenanceSettings:
    """`eventlake maintain` and its DAG (README, "Table maintenance")."""

    optimize_days: int
    vacuum_retention_hours: float
    pin_days: int
    allow_short_retention: bool
    # VACUUM's directory listing tasks (spark.sql.sources.parallelPartitionDiscovery.parallelism
    # while it runs).
    vacuum_listing_tasks: int
    schedule: str
    # The DAG's daily reconcile check looks at the processing dates of this many days back.
    reconcile_days: int


@dataclass(frozen=True)
class AwsSettings:
    endpoint_url: str | None
    region: str | None


SECTIONS: dict[str, type] = {
    "spark": SparkSettings,
    "raw": RawSettings,
    "etl": EtlSettings,
    "lineage": LineageSettings,
    "ml": MlSettings,
    "airflow": AirflowSettings,
    "maintenance": MaintenanceSettings,
    "aws": AwsSettings,
}


@dataclass(frozen=True)
class Settings:
    env: str
    home: Path
    dags_dir: Path
    sample_dir: Path
    raw_uri: str
    lake_uri: str
    artifacts_uri: str
    git_sha: str | None
    spark: SparkSettings
    raw: RawSettings
    etl: EtlSettings
    lineage: LineageSettings
    ml: MlSettings
    airflow: AirflowSettings
    maintenance: MaintenanceSettings
    aws: AwsSettings

    def replace(self, **changes: Any) -> Settings:
        """A copy with some top-level fields changed (e.g. URIs given on the command line)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def tracking_uri(self) -> str:
        return self.ml.tracking_uri or ""

    def to_json(self) -> str:
        """The resolved settings as JSON, for a job in another process (`from_json`)."""
        return json.dumps(dataclasses.asdict(self), default=str)

    @classmethod
    def from_json(cls, text: str) -> Settings:
        """Settings written by `to_json` (no environment or conf is read)."""
        raw = json.loads(text)
        fields: dict[str, Any] = {**raw}
        fields.update({k: Path(raw[k]) for k in ("home", "dags_dir", "sample_dir")})
        fields.update({name: kind(**raw[name]) for name, kind in SECTIONS.items()})
        return cls(**fields)


def base_default(section: str, key: str) -> Any:
    """A default as `conf/base.yaml` writes it, for code that needs the value without a
    Settings (the generator's world prices its products around the high-value threshold)."""
    return _read_yaml(BASE_CONF)[section][key]


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML ({exc}); fix the file") from None
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{path}: expected a mapping of settings at the top level")
    return raw


def _check_keys(raw: dict[str, Any], where: Path) -> None:
    """Unknown keys are refused, naming the file and section, so a typo never goes unseen."""
    top = {f.name for f in dataclasses.fields(Settings)} - {"env", *SECTIONS}
    unknown = sorted(set(raw) - top - set(SECTIONS))
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown keys {unknown}; known keys are {sorted(top | set(SECTIONS))}"
        )
    for name, kind in SECTIONS.items():
        section = raw.get(name) or {}
        if not isinstance(section, dict):
            raise ConfigurationError(f"{where} [{name}]: expected a mapping, got {section!r}")
        known = {f.name for f in dataclasses.fields(kind)}
        unknown = sorted(set(section) - known)
        if unknown:
            raise ConfigurationError(
                f"{where} [{name}]: unknown keys {unknown}; known keys are {sorted(known)}"
            )


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if key in SECTIONS and isinstance(value, dict):
            out[key] = {**(base.get(key) or {}), **value}
        else:
            out[key] = value
    return out


def _expand(value: Any, home: Path) -> Any:
    if isinstance(value, str):
        return value.replace("{home}", str(home))
    if isinstance(value, dict):
        return {k: _expand(v, home) for k, v in value.items()}
    return value


def _override(raw: dict[str, Any], lookup: Callable[[str], str | None] | None) -> None:
    """Apply environment variables, then Airflow Variables (`lookup`), onto the merged conf."""
    for dotted, (env_names, variable) in ENV_OVERRIDES.items():
        value = next((os.environ[n] for n in env_names if os.environ.get(n)), None)
        if value is None and variable and lookup is not None:
            value = lookup(variable)
        if value in (None, ""):
            continue
        section, _, key = dotted.rpartition(".")
        target = raw.setdefault(section, {}) if section else raw
        target[key] = value


def load_settings(
    env: str | None = None,
    conf_file: str | Path | None = None,
    *,
    lookup: Callable[[str], str | None] | None = None,
) -> Settings:
    """Resolve the settings for ``env``: environment, then `lookup` (Airflow Variables), then
    the conf. Reads the YAML files and the environment, nothing else."""
    env = env or os.environ.get("EVENTLAKE_ENV") or "local"
    path = Path(conf_file or os.environ.get("EVENTLAKE_CONF_FILE") or CONF_DIR / f"{env}.yaml")
    if not path.is_file() or path.resolve() == BASE_CONF.resolve():
        envs = sorted(p.stem for p in CONF_DIR.glob("*.yaml") if p.resolve() != BASE_CONF)
        raise ConfigurationError(
            f"no configuration for environment {env!r}: {path} does not exist "
            f"(set EVENTLAKE_ENV to one of {envs})"
        )
    base, over = _read_yaml(BASE_CONF), _read_yaml(path)
    _check_keys(base, BASE_CONF)
    _check_keys(over, path)
    raw = _merge(base, over)
    _override(raw, lookup)
    airflow = raw.setdefault("airflow", {})
    airflow["target"] = str(airflow.get("target") or "").strip().lower()
    airflow["local_runner"] = str(airflow.get("local_runner") or "").strip()
    if os.environ.get("OPENLINEAGE_URL"):
        raw["lineage"]["transport"] = "http"  # OPENLINEAGE_URL alone switches lineage to http
    where = str(path)
    try:
        home = Path(raw["home"]).expanduser().resolve()
        raw = _expand(raw, home)
        settings = Settings(
            env=env,
            home=home,
            dags_dir=Path(raw["dags_dir"]).expanduser().resolve(),
            sample_dir=Path(raw["sample_dir"]).expanduser().resolve(),
            raw_uri=raw["raw_uri"],
            lake_uri=raw["lake_uri"],
            artifacts_uri=raw["artifacts_uri"],
            git_sha=raw.get("git_sha"),
            **{
                name: _section(kind, raw.get(name), f"{where} [{name}]")
                for name, kind in SECTIONS.items()
            },
        )
    except KeyError as exc:
        raise ConfigurationError(f"{where}: missing required key {exc.args[0]!r}") from None
    validate(settings, where)
    return settings


def _section(kind: type, raw: dict[str, Any] | None, where: str) -> Any:
    raw = raw or {}
    missing = [f.name for f in dataclasses.fields(kind) if f.name not in raw]
    if missing:
        raise ConfigurationError(f"{where}: missing keys {missing}; add them to conf/base.yaml")
    return kind(**raw)


def load_task_settings(lookup: Callable[[str], str | None] | None = None) -> Settings:
    """Settings for the DAG and its tasks: as `load_settings`, with Airflow Variables.

    Without EVENTLAKE_ENV the conf is the target's own (`aws.yaml` for the aws target): on
    MWAA nothing sets EVENTLAKE_ENV, and the Variable `eventlake_target` says aws.
    """
    settings = load_settings(lookup=lookup)
    target = settings.airflow.target
    if not os.environ.get("EVENTLAKE_ENV") and target != settings.env:
        settings = load_settings(target, lookup=lookup)
    return settings


def console_log_level() -> str | None:
    """EVENTLAKE_LOG_LEVEL: the terminal's log level (`eventlake.console`), read before the
    settings are, so that a settings error is reported at the level asked for."""
    return os.environ.get("EVENTLAKE_LOG_LEVEL") or None


def in_ci() -> bool:
    """Whether this runs under CI (`CI` set, as GitHub Actions and most CI systems do)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
