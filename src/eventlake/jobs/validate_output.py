"""`eventlake validate-output`: compare the events table's schema with the contract.

Reads the Delta log with the `deltalake` package when available (no JVM needed), else Spark.
Exits non-zero with a readable diff when names, types, nullability, order or partitioning
differ.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass

from eventlake.errors import EventlakeError, InputError
from eventlake.io.lake import CATALOG
from eventlake.io.paths import table_uri
from eventlake.settings import Settings


class SchemaMismatch(EventlakeError):
    exit_code = 4


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool


def contract_columns() -> list[Column]:
    """The events table as the catalog makes it (io/lake.py), with the contract's schema."""
    fields = CATALOG["events"].schema.fields
    return [Column(f.name, f.dataType.simpleString(), f.nullable) for f in fields]


_DELTA_TYPES = {"long": "bigint", "integer": "int", "short": "smallint", "byte": "tinyint"}


def _delta_type(t: object) -> str:
    """delta-rs type JSON -> Spark simpleString."""
    if isinstance(t, str):
        return _DELTA_TYPES.get(t, t).replace("decimal(", "decimal(").replace(" ", "")
    if isinstance(t, dict) and t.get("type") == "map":
        return f"map<{_delta_type(t['keyType'])},{_delta_type(t['valueType'])}>"
    raise InputError(f"nested column type {t!r} is not expected in the events table")


def table_columns(uri: str, settings: Settings) -> tuple[list[Column], list[str]]:
    from eventlake.io.lake_reader import open_table

    table = open_table(uri, settings)
    if table is None:
        raise InputError(f"no Delta table at {uri}; run `eventlake etl` first")
    schema = json.loads(table.schema().to_json())
    cols = [
        Column(f["name"], _delta_type(f["type"]), bool(f["nullable"])) for f in schema["fields"]
    ]
    return cols, list(table.metadata().partition_columns)


def diff(
    expected: list[Column], actual: list[Column], expected_parts: list[str], actual_parts: list[str]
) -> list[str]:
    """Human-readable differences; empty when the table matches the contract."""
    lines: list[str] = []
    exp = {c.name: c for c in expected}
    act = {c.name: c for c in actual}
    for name in exp.keys() - act.keys():
        lines.append(f"- missing column {name} {exp[name].type}")
    for name in act.keys() - exp.keys():
        lines.append(f"+ unexpected column {name} {act[name].type}")
    for name in exp.keys() & act.keys():
        e, a = exp[name], act[name]
        if e.type != a.type:
            lines.append(f"~ column {name}: type {a.type}, contract says {e.type}")
        if e.nullable != a.nullable:
            want = "nullable" if e.nullable else "NOT NULL"
            got = "nullable" if a.nullable else "NOT NULL"
            lines.append(f"~ column {name}: {got}, contract says {want}")
    common_exp = [c.name for c in expected if c.name in act]
    common_act = [c.name for c in actual if c.name in exp]
    if common_exp != common_act:
        lines.append(f"~ column order {common_act}, contract says {common_exp}")
    if expected_parts != actual_parts:
        lines.append(f"~ partitioned by {actual_parts}, contract says {expected_parts}")
    return sorted(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lake-uri", help="bucket prefix of the lake (default from config)")


def main(args: argparse.Namespace, settings: Settings) -> int:
    settings = settings.replace(lake_uri=args.lake_uri)
    uri = table_uri(settings, "events")
    actual, parts = table_columns(uri, settings)
    problems = diff(contract_columns(), actual, list(CATALOG["events"].partition_by), parts)
    if problems:
        raise SchemaMismatch(
            f"{uri} does not match the contract (src/eventlake/contracts/schemas.py):\n  "
            + "\n  ".join(problems)
        )
    print(f"{uri}: schema matches the contract ({len(actual)} columns, partitioned by {parts})")
    return 0
