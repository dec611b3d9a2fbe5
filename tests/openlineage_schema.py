"""Validate OpenLineage events against the spec's JSON schemas (tests/fixtures/openlineage/):
the event against OpenLineage.json's RunEvent, and every facet against the schema its
`_schemaURL` names (by file name and definition; the copies are the spec's latest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parent / "fixtures" / "openlineage"


def _load() -> tuple[Any, dict[str, str]]:
    from referencing import Registry, Resource

    by_file: dict[str, str] = {}
    resources = []
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
        by_file[path.name] = schema["$id"]
    return Registry().with_resources(resources), by_file


def _facets(event: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = list((event.get("run") or {}).get("facets", {}).items())
    out += list((event.get("job") or {}).get("facets", {}).items())
    for ds in event.get("inputs") or []:
        out += list((ds.get("facets") or {}).items()) + list((ds.get("inputFacets") or {}).items())
    for ds in event.get("outputs") or []:
        out += list((ds.get("facets") or {}).items())
        out += list((ds.get("outputFacets") or {}).items())
    return out


def validate(event: dict[str, Any]) -> list[str]:
    """The facet keys validated; raises jsonschema.ValidationError, or KeyError for a facet
    whose schema is not in the fixtures."""
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
            raise KeyError(f"facet {key}: no schema {name} in {SCHEMAS}")
        ref = f"{by_file[name]}#{fragment}" if fragment else by_file[name]
        Draft202012Validator({"$ref": ref}, registry=registry).validate(facet)
        checked.append(key)
    return checked
