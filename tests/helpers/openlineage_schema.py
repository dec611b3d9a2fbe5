"""Validate OpenLineage events against the spec's JSON schemas (tests/fixtures/openlineage/):
the event against OpenLineage.json's RunEvent, and every facet against the schema its
`_schemaURL` names (by file name and definition; the copies are the spec's). eventlake's own
facets are checked against src/eventlake/contracts/facets/. The facets of Airflow's
OpenLineage provider (airflow, airflowDagRun, airflowState, unknownSourceAttribute) name the
core RunFacet as their `_schemaURL`, and are checked against it. (The provider's own, stricter
schemas, shipped with it, require `taskInstance.pool`, which provider 2.20.3 leaves out of
the events of `airflow dags test`: upstream's mismatch, not checked here.)"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "tests" / "fixtures" / "openlineage"
OWN_FACETS = ROOT / "src" / "eventlake" / "contracts" / "facets"


@cache
def _load() -> tuple[Any, dict[str, str]]:
    from referencing import Registry, Resource

    by_file: dict[str, str] = {}
    resources = []
    for path in sorted([*SCHEMAS.glob("*.json"), *OWN_FACETS.glob("*.json")]):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
        by_file[path.name] = schema["$id"]
    return Registry().with_resources(resources), by_file


def _facets(event: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = list(((event.get("run") or {}).get("facets") or {}).items())
    out += list(((event.get("job") or {}).get("facets") or {}).items())
    for ds in [*(event.get("inputs") or []), *(event.get("outputs") or [])]:
        for group in ("facets", "inputFacets", "outputFacets"):
            out += list((ds.get(group) or {}).items())
    return out


def validate(event: dict[str, Any]) -> list[str]:
    """The facet keys validated; raises jsonschema.ValidationError, or KeyError for a facet
    whose schema is not known here."""
    from jsonschema import Draft202012Validator

    registry, by_file = _load()
    core = by_file["OpenLineage.json"]
    Draft202012Validator({"$ref": f"{core}#/$defs/RunEvent"}, registry=registry).validate(event)
    checked = []
    for key, facet in _facets(event):
        url = facet["_schemaURL"]
        file, _, fragment = url.partition("#")
        name = file.rsplit("/", 1)[-1]
        if name not in by_file:
            raise KeyError(f"facet {key}: no schema {name} in {SCHEMAS} or {OWN_FACETS}")
        if not fragment:
            # the whole file's schema only describes {key: facet}: any facet would pass it
            raise KeyError(f"facet {key}: _schemaURL {url} names no definition (#/$defs/...)")
        ref = f"{by_file[name]}#{fragment}"
        Draft202012Validator({"$ref": ref}, registry=registry).validate(facet)
        checked.append(key)
    return checked
