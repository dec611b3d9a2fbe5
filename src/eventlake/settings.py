"""One frozen Settings object, loaded once from the package's conf/<env>.yaml and the environment.

The environment is picked by EVENTLAKE_ENV (default ``local``). EVENTLAKE_CONF_FILE points at
another YAML file. Locations can be overridden by EVENTLAKE_RAW_URI, EVENTLAKE_LAKE_URI and
EVENTLAKE_ARTIFACTS_URI. Credentials never live here: they come from the environment or IAM.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from eventlake.errors import ConfigurationError

CONF_DIR = Path(__file__).parent / "conf"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SparkSettings:
    master: str | None = "local[2]"
    driver_memory: str | None = "4g"
    # The initial number of shuffle partitions; AQE then coalesces them to ~64 MB each.
    shuffle_partitions: int = 64
    # Tasks per Delta log replay (Delta's default is 50; None keeps it).
    delta_snapshot_partitions: int | None = 4
    ivy_dir: str = "~/.cache/eventlake/ivy"
    # Resolve Delta and hadoop-aws through Ivy. Off where the platform ships them (EMR).
    resolve_packages: bool = True
    ui: bool = False
    # JVM options for a driver this project launches (spark.driver.defaultJavaOptions, so a
    # user's spark.driver.extraJavaOptions still applies on top).
    driver_java_options: str | None = "-XX:-DontCompileHugeMethods"


@dataclass(frozen=True)
class EtlSettings:
    max_reject_ratio: float = 0.2
    high_value_threshold: float = 100.0
    future_tolerance_days: int = 2
    severity_overrides: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LineageSettings:
    transport: str = "file"
    file_path: str = ""
    url: str | None = None
    namespace: str = "eventlake"


@dataclass(frozen=True)
class MlSettings:
    model_name: str = "eventlake-high-value"
    window_days: int = 7
    holdout_days: int = 2
    min_uplift: float = 0.005
    promotion_gate: bool = True
    tracking_uri: str | None = None


@dataclass(frozen=True)
class AirflowSettings:
    schedule: str = "0 3 * * *"
    catchup: bool = False
    target: str = "local"


@dataclass(frozen=True)
class Settings:
    env: str
    home: Path
    raw_uri: str
    lake_uri: str
    artifacts_uri: str
    spark: SparkSettings
    etl: EtlSettings
    lineage: LineageSettings
    ml: MlSettings
    airflow: AirflowSettings

    def replace(self, **changes: Any) -> Settings:
        """A copy with some top-level fields changed (e.g. URIs given on the command line)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def tracking_uri(self) -> str:
        return os.environ.get("MLFLOW_TRACKING_URI") or self.ml.tracking_uri or ""


def state_home() -> Path:
    """The project's local state dir: $EVENTLAKE_HOME, else ./.eventlake in the project root."""
    env = os.environ.get("EVENTLAKE_HOME")
    return Path(env).expanduser().resolve() if env else PROJECT_ROOT / ".eventlake"


def _expand(value: Any, home: Path) -> Any:
    if isinstance(value, str):
        return value.replace("{home}", str(home))
    if isinstance(value, dict):
        return {k: _expand(v, home) for k, v in value.items()}
    return value


def _section(cls: type, raw: dict[str, Any] | None, where: str) -> Any:
    raw = raw or {}
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigurationError(f"{where}: unknown keys {unknown}; known keys are {sorted(known)}")
    return cls(**raw)


def load_settings(env: str | None = None, conf_file: str | Path | None = None) -> Settings:
    """Read the YAML for ``env`` and apply environment overrides. Does no I/O besides the read."""
    env = env or os.environ.get("EVENTLAKE_ENV", "local")
    path = Path(conf_file or os.environ.get("EVENTLAKE_CONF_FILE") or CONF_DIR / f"{env}.yaml")
    if not path.is_file():
        raise ConfigurationError(
            f"no configuration for environment {env!r}: {path} does not exist "
            f"(set EVENTLAKE_ENV to one of {sorted(p.stem for p in CONF_DIR.glob('*.yaml'))})"
        )
    home = state_home()
    raw = _expand(yaml.safe_load(path.read_text()) or {}, home)
    where = str(path)
    try:
        settings = Settings(
            env=env,
            home=home,
            raw_uri=os.environ.get("EVENTLAKE_RAW_URI") or raw["raw_uri"],
            lake_uri=os.environ.get("EVENTLAKE_LAKE_URI") or raw["lake_uri"],
            artifacts_uri=os.environ.get("EVENTLAKE_ARTIFACTS_URI") or raw["artifacts_uri"],
            spark=_section(SparkSettings, raw.get("spark"), f"{where} [spark]"),
            etl=_section(EtlSettings, raw.get("etl"), f"{where} [etl]"),
            lineage=_section(LineageSettings, raw.get("lineage"), f"{where} [lineage]"),
            ml=_section(MlSettings, raw.get("ml"), f"{where} [ml]"),
            airflow=_section(AirflowSettings, raw.get("airflow"), f"{where} [airflow]"),
        )
    except KeyError as exc:
        raise ConfigurationError(f"{where}: missing required key {exc.args[0]!r}") from None
    if not 0 <= settings.etl.max_reject_ratio <= 1:
        raise ConfigurationError(f"{where}: etl.max_reject_ratio must be within [0, 1]")
    return settings


@cache
def get_settings() -> Settings:
    """The process-wide settings, loaded on first use (never at import time)."""
    return load_settings()
