"""The chain of runs of one date, read back from the lineage events the jobs wrote.

The runs of D are the `eventlake.etl`, `eventlake.train`, `eventlake.score` and
`eventlake.monitor` runs whose `nominalTime` facet starts on D (the latest of each, when D was
rerun). Two runs are linked when a dataset one wrote (namespace and name) is one the other
read: raw folder -> ETL -> `events` -> training -> model version -> scoring -> `predictions`
(-> monitoring -> `model_monitoring`, when D was monitored). The model the scoring read may
have been trained on another date (the champion): its training run is then found by the model
version it wrote, whatever its date. `eventlake lineage --date D` prints it, and the run report
of D shows it (eventlake.quality.report).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JOBS = ("eventlake.etl", "eventlake.train", "eventlake.score", "eventlake.monitor")
TERMINAL = ("COMPLETE", "FAIL", "ABORT")


@dataclass
class RunView:
    """One run as its events tell it: the last state, and the datasets of its last event."""

    run_id: str
    job: str
    day: str | None = None
    state: str = ""
    states: list[str] = field(default_factory=list)
    time: str = ""
    inputs: list[tuple[str, str, str | None]] = field(default_factory=list)
    outputs: list[tuple[str, str, str | None]] = field(default_factory=list)
    parent: str | None = None  # namespace/name/run id of the parent run

    def reads(self, dataset: tuple[str, str, str | None]) -> bool:
        return any(d[:2] == dataset[:2] for d in self.inputs)


def _dataset(d: dict[str, Any]) -> tuple[str, str, str | None]:
    version = (d.get("facets") or {}).get("version", {}).get("datasetVersion")
    return d["namespace"], d["name"], version


def runs(events: list[dict[str, Any]]) -> dict[str, RunView]:
    """Every run of the events, by run id, in the order first seen."""
    out: dict[str, RunView] = {}
    for event in events:
        run_id = event["run"]["runId"]
        view = out.setdefault(run_id, RunView(run_id, event["job"]["name"]))
        facets = event["run"].get("facets") or {}
        if "nominalTime" in facets:
            view.day = facets["nominalTime"]["nominalStartTime"][:10]
        if "parent" in facets:
            p = facets["parent"]
            view.parent = f"{p['job']['namespace']}/{p['job']['name']}/{p['run']['runId']}"
        view.states.append(event["eventType"])
        view.state, view.time = event["eventType"], event["eventTime"]
        if event.get("inputs") or event.get("outputs"):
            view.inputs = [_dataset(d) for d in event.get("inputs") or []]
            view.outputs = [_dataset(d) for d in event.get("outputs") or []]
    return out


@dataclass
class Chain:
    day: str
    etl: RunView | None
    train: RunView | None
    score: RunView | None
    scored_model_trainer: RunView | None  # the training run that wrote the model scored with
    reruns: dict[str, int]  # job -> runs of the day beyond the latest
    monitor: RunView | None = None

    def links(self) -> dict[str, bool]:
        """Each edge of raw -> events -> model -> predictions: present and connected."""
        events_out = [d for d in (self.etl.outputs if self.etl else []) if d[1].endswith("/events")]
        model_in = [d for d in (self.score.inputs if self.score else []) if d[0] == "mlflow"]
        return {
            "raw -> etl": bool(self.etl and self.etl.inputs),
            "etl -> events": bool(events_out),
            "events -> train": bool(self.train and events_out and self.train.reads(events_out[0])),
            "train -> model": bool(
                self.train and any(d[0] == "mlflow" for d in self.train.outputs)
            ),
            "events -> score": bool(self.score and events_out and self.score.reads(events_out[0])),
            "model -> score": bool(model_in and self.scored_model_trainer),
            "score -> predictions": bool(
                self.score and any(d[1].endswith("/predictions") for d in self.score.outputs)
            ),
            **(self._monitor_links() if self.monitor is not None else {}),
        }

    def _monitor_links(self) -> dict[str, bool]:
        """The monitoring edges, for a date that was monitored."""
        assert self.monitor is not None
        predictions = [
            d for d in (self.score.outputs if self.score else []) if d[1].endswith("/predictions")
        ]
        return {
            "predictions -> monitor": bool(predictions and self.monitor.reads(predictions[0])),
            "monitor -> model_monitoring": any(
                d[1].endswith("/model_monitoring") for d in self.monitor.outputs
            ),
        }


def chain(events: list[dict[str, Any]], day: str) -> Chain:
    views = runs(events)
    of_day = {job: [v for v in views.values() if v.job == job and v.day == day] for job in JOBS}
    latest = {job: max(vs, key=lambda v: v.time) if vs else None for job, vs in of_day.items()}
    score = latest["eventlake.score"]
    trainer = None
    if score is not None:
        models = [d for d in score.inputs if d[0] == "mlflow"]
        trainer = next(
            (
                v
                for v in views.values()
                if v.job == "eventlake.train"
                and v.state == "COMPLETE"
                and models
                and any(o[:2] == models[0][:2] for o in v.outputs)
            ),
            None,
        )
    return Chain(
        day,
        latest["eventlake.etl"],
        latest["eventlake.train"],
        score,
        trainer,
        {job: len(vs) - 1 for job, vs in of_day.items() if len(vs) > 1},
        latest["eventlake.monitor"],
    )


def _name(d: tuple[str, str, str | None]) -> str:
    ns, name, version = d
    where = name if ns == "mlflow" else f"{ns}:{name}" if ns != "file" else name
    return f"{where}" + (f"  (version {version})" if version is not None else "")


def _run_line(view: RunView) -> str:
    parent = f", parent {view.parent.split('/', 1)[1]}" if view.parent else ""
    return f"{view.job}  run {view.run_id}  {view.state}{parent}"


def render(c: Chain, where: str) -> str:
    lines = [f"lineage of {c.day} (from {where})"]
    if c.etl is None:
        lines.append("  no eventlake.etl run for this date")
        return "\n".join(lines)
    for raw in c.etl.inputs:
        lines.append(f"  {_name(raw)}")
    lines.append(f"  └─ {_run_line(c.etl)}")
    for out in c.etl.outputs:
        lines.append(f"     ├─ {_name(out)}")
    if c.train is not None:
        last = c.score is None
        lines.append(f"     {'└─' if last else '├─'} {_run_line(c.train)}")
        bar = "   " if last else "│  "
        read = [d for d in c.train.inputs if d[1].endswith("/events")]
        branches = [f"reads {_name(d)}" for d in read] + [_name(d) for d in c.train.outputs]
        for i, text in enumerate(branches):
            lines.append(f"     {bar}{'└─' if i == len(branches) - 1 else '├─'} {text}")
    if c.score is not None:
        model = next((d for d in c.score.inputs if d[0] == "mlflow"), None)
        trained = (
            f" (trained {c.scored_model_trainer.day} by run {c.scored_model_trainer.run_id})"
            if c.scored_model_trainer
            else " (no training run found for it)"
        )
        lines.append(f"     └─ {_run_line(c.score)}")
        if model is not None:
            lines.append(f"        ├─ reads {_name(model)}{trained}")
        for out in c.score.outputs:
            lines.append(f"        └─ {_name(out)}")
        if c.monitor is not None:
            lines.append(f"           └─ {_run_line(c.monitor)}")
            for i, out in enumerate(c.monitor.outputs):
                end = "└─" if i == len(c.monitor.outputs) - 1 else "├─"
                lines.append(f"              {end} {_name(out)}")
    for job, n in c.reruns.items():
        lines.append(f"  ({job}: {n} earlier run(s) of this date not shown)")
    broken = [edge for edge, ok in c.links().items() if not ok]
    lines.append("  connected: " + ("yes" if not broken else "no; missing " + ", ".join(broken)))
    return "\n".join(lines)
