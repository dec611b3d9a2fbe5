"""The `bucket` lineage transport as an openlineage-python transport class, importable by name.

The jobs use it when `lineage.transport` is `bucket` (io/lineage.py); Airflow's OpenLineage
provider on MWAA uses it through its config, so the DAG and task runs land next to the jobs'
runs in the bucket instead of only in the task logs:

    openlineage.transport = {"type": "eventlake.io.lineage_transport.BucketTransport",
                             "prefix": "s3://<artifacts>/lineage"}

Each event is one object `<prefix>/<job>/<run id>/<time>-<type>.json`. Objects are never
appended to, so this works on S3 and on a local folder alike, and `eventlake lineage` and the
run report read them back (io/lineage.read_events).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attr
from openlineage.client.serde import Serde
from openlineage.client.transport import Config, Transport

from eventlake.errors import ConfigurationError


@attr.define
class BucketConfig(Config):
    prefix: str

    @classmethod
    def from_dict(cls, params: dict[str, Any]) -> BucketConfig:
        prefix = params.get("prefix")
        if not prefix or not isinstance(prefix, str):
            raise ConfigurationError(
                "the eventlake bucket lineage transport needs a `prefix`, e.g. "
                '{"type": "eventlake.io.lineage_transport.BucketTransport", '
                '"prefix": "s3://<artifacts>/lineage"}'
            )
        return cls(prefix=prefix.rstrip("/"))


class BucketTransport(Transport):
    kind = "eventlake-bucket"
    config_class = BucketConfig

    def __init__(self, config: BucketConfig) -> None:
        self.prefix = config.prefix

    def emit(self, event: Any) -> None:
        from eventlake.io.bucket import join, write_bytes

        at = datetime.fromisoformat(event.eventTime).astimezone(UTC)
        name = f"{at.strftime('%Y%m%dT%H%M%S%fZ')}-{event.eventType.value}.json"
        body = Serde.to_json(event).encode("utf-8")
        write_bytes(join(self.prefix, event.job.name, event.run.runId, name), body)
