"""The raw-log generator: layout, bytes, formats, defects, arguments, and the shipped sample.

No Spark here: records are checked with the standard library, and the planted signal with a
small numpy logistic regression and a rank-statistic AUC.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import math
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from eventlake.cli import main as cli_main
from eventlake.errors import InputError
from eventlake.tools.generate import GenerateSummary, generate

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_DIR = ROOT / "tests" / "fixtures" / "sample"
# The parameters the shipped sample was made with (the Makefile's `make sample`).
SAMPLE_ARGS = dict(
    start=date(2026, 1, 1),
    days=14,
    users=400,
    events_per_day=2500,
    files_per_day=2,
    defect_rate=0.03,
    seed=7,
)

HEADER = (
    "event_id,user_id,session_id,event_time,event_type,amount,currency,device,os,country,"
    "page,product_id,product_category,ip,user_agent,app_version"
)
FIELDS = HEADER.split(",")
TYPES = {
    "page_view",
    "search",
    "click",
    "add_to_cart",
    "remove_from_cart",
    "checkout",
    "purchase",
    "login",
    "logout",
    "signup",
}
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
IPV4_RE = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
Y2000 = datetime(2000, 1, 1, tzinfo=UTC).timestamp()


def _small(tmp_path: Path, name: str = "raw", **changes: object) -> tuple[str, GenerateSummary]:
    args: dict[str, object] = dict(
        start=date(2026, 3, 1),
        days=3,
        users=60,
        events_per_day=400,
        files_per_day=2,
        defect_rate=0.05,
        seed=11,
    )
    args.update(changes)
    uri = (tmp_path / name).as_uri()
    return uri, generate(uri, **args)  # type: ignore[arg-type]


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _records(path: Path) -> list[str]:
    """The records of one file: JSON lines, or CSV rows re-serialised (header dropped)."""
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    if path.name.endswith(".csv.gz"):
        rows = list(csv.reader(io.StringIO(text, newline="")))
        return [json.dumps(row) for row in rows[1:]]
    return text.splitlines()


def _parse_time(value: object) -> float | None:
    """Epoch seconds for the accepted event_time forms, None otherwise."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if text.isdigit():
            number = float(text)
        else:
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return None
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.timestamp()
    return number / 1000 if number >= 1e11 else number


def _problems(record: dict[str, object], drop_day: date) -> list[str]:
    """Simple versions of the ETL rules; an empty list means valid."""
    out = []
    if not record.get("event_id"):
        out.append("missing_event_id")
    user = record.get("user_id")
    if user is None or str(user).strip() in ("", "null"):
        out.append("missing_user_id")
    t = _parse_time(record.get("event_time"))
    drop = datetime(drop_day.year, drop_day.month, drop_day.day, tzinfo=UTC).timestamp()
    if t is None or t < Y2000:
        out.append("invalid_event_time")
    elif t > drop + 2 * 86400:
        out.append("event_time_in_future")
    etype = str(record.get("event_type") or "").strip().lower()
    if etype not in TYPES:
        out.append("unknown_event_type")
    if etype == "purchase":
        amount = record.get("amount")
        if amount in (None, ""):
            out.append("missing_amount")
        elif float(str(amount)) < 0:
            out.append("negative_amount")
    return out


def _jsonl_records(root: Path) -> list[tuple[date, str, dict | None]]:
    out = []
    for path in sorted(root.glob("dt=*/*.jsonl.gz")):
        day = date.fromisoformat(path.parent.name.removeprefix("dt="))
        for line in _records(path):
            try:
                value = json.loads(line)
            except ValueError:
                value = None
            out.append((day, line, value if isinstance(value, dict) else None))
    return out


# -- determinism -----------------------------------------------------------------------------


def test_generate_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    _small(tmp_path, "a")
    _small(tmp_path, "b", workers=2)  # forked workers give the same bytes as one process
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert len(a) == 6
    assert a == b


def test_generate_different_seed_gives_different_bytes(tmp_path: Path) -> None:
    _small(tmp_path, "a", seed=11)
    _small(tmp_path, "b", seed=12)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys()
    assert all(a[name] != b[name] for name in a)


def test_generate_bytes_do_not_depend_on_pythonhashseed(tmp_path: Path) -> None:
    code = (
        "import hashlib, sys, pathlib; from datetime import date; "
        "from eventlake.tools.generate import generate; "
        "root = pathlib.Path(sys.argv[1]); "
        "generate(root.as_uri(), date(2026, 3, 1), 2, 40, 300, 2, 0.1, 5); "
        "h = hashlib.sha256(); "
        "[h.update(p.read_bytes()) for p in sorted(root.rglob('*.gz'))]; "
        "print(h.hexdigest())"
    )
    digests = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / hash_seed)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.append(out.stdout.strip())
    assert digests[0] == digests[1]
    assert len(digests[0]) == 64


# -- layout and formats ----------------------------------------------------------------------


def test_generate_writes_one_folder_per_day_with_numbered_parts(tmp_path: Path) -> None:
    _small(tmp_path)
    assert sorted(_files(tmp_path / "raw")) == [
        "dt=2026-03-01/part-00000.jsonl.gz",
        "dt=2026-03-01/part-00001.jsonl.gz",
        "dt=2026-03-02/part-00000.jsonl.gz",
        "dt=2026-03-02/part-00001.jsonl.gz",
        "dt=2026-03-03/part-00000.jsonl.gz",
        "dt=2026-03-03/part-00001.jsonl.gz",
    ]


def test_generate_csv_files_are_named_csv_gz(tmp_path: Path) -> None:
    _small(tmp_path, fmt="csv", days=1, files_per_day=3)
    assert sorted(_files(tmp_path / "raw")) == [
        "dt=2026-03-01/part-00000.csv.gz",
        "dt=2026-03-01/part-00001.csv.gz",
        "dt=2026-03-01/part-00002.csv.gz",
    ]


def test_generate_gzip_header_has_no_time_and_no_name(tmp_path: Path) -> None:
    _small(tmp_path, days=1)
    for data in _files(tmp_path / "raw").values():
        assert data[:2] == b"\x1f\x8b"
        assert data[3] & 0x08 == 0  # FNAME flag unset
        assert data[4:8] == b"\x00\x00\x00\x00"  # MTIME = 0
        assert gzip.decompress(data)


def test_generate_summary_matches_what_is_on_disk(tmp_path: Path) -> None:
    uri, summary = _small(tmp_path)
    assert summary.records == 3 * 400
    assert len(summary.files) == 6
    per_day: Counter[str] = Counter()
    for result in summary.files:
        path = Path(result.uri.removeprefix("file://"))
        assert path.stat().st_size == result.size
        assert len(_records(path)) == result.records
        per_day[path.parent.name] += result.records
    assert per_day == {"dt=2026-03-01": 400, "dt=2026-03-02": 400, "dt=2026-03-03": 400}
    assert summary.to_dict()["records"] == 1200
    assert uri.startswith("file://")


def test_generate_csv_has_header_and_quotes_commas_and_newlines(tmp_path: Path) -> None:
    _, summary = _small(tmp_path, fmt="csv", defect_rate=0.3, events_per_day=1000)
    rows = []
    for path in sorted((tmp_path / "raw").glob("dt=*/*.csv.gz")):
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        assert text.splitlines()[0] == HEADER
        rows += list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert len(rows) == summary.records
    wrong_width = [r for r in rows if len(r) != 16]
    assert len(wrong_width) == summary.defects["malformed"]
    good = [dict(zip(FIELDS, r, strict=True)) for r in rows if len(r) == 16]
    # User agents carry commas and semicolons and survive the round trip whole.
    agents = {r["user_agent"] for r in good}
    assert any("(KHTML, like Gecko)" in a for a in agents)
    assert all(a.startswith(("Mozilla/5.0 (", "ShopApp/")) for a in agents)
    # Hostile text with a quote, a comma and a newline inside one field.
    assert any(r["page"] == '/search?q=red, "blue"\nshoes' for r in good)


def test_generate_jsonl_lines_parse_except_the_malformed_ones(tmp_path: Path) -> None:
    _, summary = _small(tmp_path, defect_rate=0.2)
    records = _jsonl_records(tmp_path / "raw")
    assert len(records) == summary.records
    unparsed = [line for _, line, value in records if value is None]
    assert len(unparsed) == summary.defects["malformed"] > 0
    parsed = [value for _, _, value in records if value is not None]
    # Natural JSON types: amounts and epoch times are numbers, nulls are null.
    purchases = [v for v in parsed if v.get("event_type") == "purchase" and v.get("amount")]
    assert all(isinstance(v["amount"], float | int) for v in purchases)
    assert any(isinstance(v.get("event_time"), int) for v in parsed)
    assert any(v.get("currency") is None for v in parsed)
    # Field order is the raw schema's order.
    complete = [v for v in parsed if len(v) == 16]
    assert list(complete[0]) == FIELDS


def test_generate_zero_defect_rate_gives_only_valid_records(tmp_path: Path) -> None:
    _, summary = _small(tmp_path, defect_rate=0.0, events_per_day=800)
    assert sum(summary.defects.values()) == 0
    records = _jsonl_records(tmp_path / "raw")
    assert len(records) == 2400
    ids = Counter()
    for day, line, value in records:
        assert value is not None, line
        assert _problems(value, day) == [], line
        assert UUID_RE.match(value["event_id"])
        assert re.match(r"^u_[0-9a-f]{8}$", value["user_id"])
        assert value["event_type"] in TYPES
        assert value["device"] in {"mobile", "desktop", "tablet"}
        assert value["os"] in {"ios", "android", "windows", "macos", "linux"}
        assert re.match(r"^[A-Z]{2}$", value["country"])
        octets = IPV4_RE.match(value["ip"])
        assert octets and all(0 <= int(o) <= 255 for o in octets.groups())
        assert VERSION_RE.match(value["app_version"])
        if value["event_type"] == "purchase":
            assert value["amount"] > 0
            assert re.match(r"^[A-Z]{3}$", value["currency"])
        else:
            assert value["amount"] is None
        ids[value["event_id"]] += 1
    assert max(ids.values()) == 1


def test_generate_event_times_use_every_accepted_form() -> None:
    forms = Counter()
    for _, _, value in _jsonl_records(SAMPLE_DIR):
        t = value and value.get("event_time")
        if isinstance(t, int):
            forms["epoch_ms" if t > 1e11 else "epoch_s"] += 1
        elif isinstance(t, str):
            if re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", t):
                forms["iso_t_fraction_z"] += 1
            elif re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", t):
                forms["iso_t_z"] += 1
            elif re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d$", t):
                forms["iso_space_offset"] += 1
            elif re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$", t):
                forms["iso_t_fraction_offset"] += 1
            elif re.match(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{3})?$", t):
                forms["no_offset"] += 1
    expected = {
        "epoch_ms",
        "epoch_s",
        "iso_t_fraction_z",
        "iso_t_z",
        "iso_space_offset",
        "iso_t_fraction_offset",
        "no_offset",
    }
    assert set(forms) == expected
    assert all(n >= 100 for n in forms.values()), forms


def test_generate_late_events_are_one_or_two_days_old(tmp_path: Path) -> None:
    _, summary = _small(tmp_path, defect_rate=0.0, events_per_day=3000, users=200)
    lateness = Counter()
    for day, _, value in _jsonl_records(tmp_path / "raw"):
        t = _parse_time(value["event_time"])
        event_day = datetime.fromtimestamp(t, UTC).date()
        assert event_day <= day
        if event_day < day:
            lateness[(day - event_day).days] += 1
    assert set(lateness) == {1, 2}
    assert sum(lateness.values()) == summary.late_events
    assert 0.002 < summary.late_events / summary.records < 0.03


# -- defects ---------------------------------------------------------------------------------


def test_generate_defects_follow_the_rate(tmp_path: Path) -> None:
    _, summary = _small(tmp_path, defect_rate=0.1, events_per_day=5000, users=300)
    defects = summary.defects
    total = sum(defects.values())
    assert summary.records == 15_000
    assert 1300 <= total <= 1700  # 10% of 15,000, corruptions drawn per event
    # Inserted kinds are allocated exactly: 15000 * 0.1 = 1500 records, 45% of them inserts.
    assert defects["malformed"] == 180  # 12% of 1500
    assert defects["unknown_event_type"] == 120  # 8%
    assert defects["missing_amount"] + defects["negative_amount"] == 105  # 3.5% + 3.5%
    assert summary.duplicate_records == 270  # 8% + 5% + 5%
    # Corruptions are drawn per event: each kind within a broad band around its share.
    for kind, share in {
        "noise": 0.17,
        "missing_user_id": 0.11,
        "missing_event_id": 0.07,
        "unparseable_time": 0.06,
        "ancient_time": 0.05,
        "future_time": 0.05,
    }.items():
        assert 0.6 * 1500 * share <= defects[kind] <= 1.4 * 1500 * share, kind


def test_generate_defects_are_what_the_summary_says(tmp_path: Path) -> None:
    _, summary = _small(tmp_path, defect_rate=0.2, events_per_day=2000)
    records = _jsonl_records(tmp_path / "raw")
    problems = Counter()
    seen: set[str] = set()
    duplicates = 0
    for day, line, value in records:
        if value is None:
            problems["malformed"] += 1
            continue
        found = _problems(value, day)
        problems.update(found)
        if not found:
            if line in seen:
                duplicates += 1
            seen.add(line)
    d = summary.defects
    assert problems["malformed"] == d["malformed"]
    assert problems["missing_event_id"] == d["missing_event_id"]
    assert problems["missing_user_id"] == d["missing_user_id"]
    assert problems["invalid_event_time"] == d["unparseable_time"] + d["ancient_time"]
    assert problems["event_time_in_future"] == d["future_time"]
    assert problems["unknown_event_type"] == d["unknown_event_type"]
    assert problems["missing_amount"] == d["missing_amount"]
    assert problems["negative_amount"] == d["negative_amount"]
    assert duplicates == summary.duplicate_records
    assert summary.invalid_records == sum(problems.values())


def test_generate_noise_is_only_casing_and_whitespace(tmp_path: Path) -> None:
    _small(tmp_path, defect_rate=0.5)
    noisy = 0
    for day, _, value in _jsonl_records(tmp_path / "raw"):
        if value is None or _problems(value, day):
            continue
        for name in ("event_type", "device", "os", "country", "currency"):
            text = value.get(name)
            if text is not None and text != text.strip().lower() and text != text.strip().upper():
                noisy += 1
                if name == "event_type":
                    assert text.strip().lower() in TYPES
                if name == "device":
                    assert text.strip().lower() in {"mobile", "desktop", "tablet"}
                if name in ("country", "currency"):
                    assert text.strip().isalpha()
            elif text is not None and text != text.strip():
                noisy += 1
    assert noisy > 20


def test_generate_duplicates_repeat_a_record_byte_for_byte(tmp_path: Path) -> None:
    _, summary = _small(tmp_path, defect_rate=0.2, events_per_day=2000)
    assert summary.defects["duplicate_next_day"] > 0
    assert summary.defects["duplicate_other_file"] > 0
    lines_by_day: dict[date, Counter[str]] = defaultdict(Counter)
    files_by_line: dict[str, set[Path]] = defaultdict(set)
    for path in sorted((tmp_path / "raw").glob("dt=*/*.gz")):
        day = date.fromisoformat(path.parent.name.removeprefix("dt="))
        for line in _records(path):
            lines_by_day[day][line] += 1
            files_by_line[line].add(path)
    days = sorted(lines_by_day)
    resent = sum(
        1 for prev, day in itertools.pairwise(days) for line in lines_by_day[day]
        if line in lines_by_day[prev] and line.startswith('{"event_id":"')
    )  # fmt: skip
    across_files = sum(
        1 for line, files in files_by_line.items()
        if len({p.parent for p in files}) == 1 and len(files) > 1
    )  # fmt: skip
    assert resent >= summary.defects["duplicate_next_day"]
    assert across_files >= 1


# -- arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"days": 0}, "--days must be a positive whole number, got 0"),
        ({"users": -5}, "--users must be a positive whole number, got -5"),
        ({"events_per_day": 0}, "--events-per-day must be a positive whole number, got 0"),
        ({"files_per_day": 0}, "--files-per-day must be a positive whole number, got 0"),
        ({"defect_rate": 1.5}, "--defect-rate must be between 0 and 1, got 1.5"),
        ({"defect_rate": -0.1}, "--defect-rate must be between 0 and 1, got -0.1"),
        ({"fmt": "parquet"}, "--format must be one of jsonl, csv, got 'parquet'"),
        ({"start": "2026-01-01"}, "--start must be a date (YYYY-MM-DD), got '2026-01-01'"),
        ({"seed": -1}, "--seed must be a whole number >= 0, got -1"),
    ],
)
def test_generate_rejects_bad_arguments(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    args: dict[str, object] = dict(
        start=date(2026, 1, 1),
        days=1,
        users=10,
        events_per_day=10,
        files_per_day=1,
        defect_rate=0.0,
        seed=1,
    )
    args.update(changes)
    with pytest.raises(InputError) as info:
        generate(tmp_path.as_uri(), **args)  # type: ignore[arg-type]
    assert str(info.value) == message
    assert not any(tmp_path.iterdir())


def test_generate_rejects_unknown_uri_scheme() -> None:
    with pytest.raises(InputError, match="unsupported URI scheme 'gs'"):
        generate("gs://bucket/raw", date(2026, 1, 1), 1, 10, 10, 1, 0.0, 1)


def test_cli_generate_bad_start_date_exits_1_with_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli_main(["generate", "--raw-uri", tmp_path.as_uri(), "--start", "2026-02-30"])
    assert code == 1
    line, log_line = capsys.readouterr().err.strip().splitlines()
    assert line == "eventlake generate: error: --start '2026-02-30' is not a valid calendar date"
    assert log_line.startswith("  full log: ") and log_line.endswith(".log")


def test_cli_generate_prints_a_json_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["generate", "--raw-uri", tmp_path.as_uri(), "--start", "2026-05-01", "--days", "2"]
    argv += ["--users", "20", "--events-per-day", "50", "--files-per-day", "1"]
    argv += ["--defect-rate", "0", "--seed", "3", "--format", "csv"]
    assert cli_main(argv) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["records"] == 100
    assert summary["files"] == 2
    assert summary["format"] == "csv"
    assert sorted(p.name for p in tmp_path.rglob("*.gz")) == ["part-00000.csv.gz"] * 2


# -- the shipped sample ----------------------------------------------------------------------


def test_sample_is_what_the_generator_makes(tmp_path: Path) -> None:
    generate((tmp_path / "sample").as_uri(), **SAMPLE_ARGS)  # type: ignore[arg-type]
    made = _files(tmp_path / "sample")
    shipped = {k: v for k, v in _files(SAMPLE_DIR).items() if k.endswith(".gz")}
    assert made.keys() == shipped.keys()
    changed = [name for name in made if made[name] != shipped[name]]
    assert changed == [], "the sample is stale: run `make sample`"
    assert sum(len(v) for v in shipped.values()) < 3_000_000


def _auc(scores: list[float], labels: list[bool]) -> float:
    """ROC-AUC by the rank statistic (Mann-Whitney U), ties get average ranks."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(labels)
    neg = len(labels) - pos
    rank_sum = sum(r for r, y in zip(ranks, labels, strict=True) if y)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def test_auc_by_hand() -> None:
    assert _auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == 0.75
    assert _auc([1, 1, 1, 1], [False, True, False, True]) == 0.5


def test_sample_has_a_learnable_high_value_signal() -> None:
    """Window features of user-days predict a purchase >= 100 the next day (issue 3)."""
    import numpy as np

    events: dict[str, tuple[str, date, int, str, float, str]] = {}
    for day, _, value in _jsonl_records(SAMPLE_DIR):
        if value is None or _problems(value, day):
            continue
        t = _parse_time(value["event_time"])
        amount = float(value.get("amount") or 0)
        stamp = datetime.fromtimestamp(t, UTC)
        events.setdefault(
            value["event_id"],
            (
                value["user_id"].strip(),
                stamp.date(),
                stamp.hour,
                value["event_type"].strip().lower(),
                amount,
                value["session_id"],
            ),
        )
    by_user_day: dict[tuple[str, date], list[tuple[int, str, float, str]]] = defaultdict(list)
    for user, day, hour, etype, amount, session in events.values():
        by_user_day[(user, day)].append((hour, etype, amount, session))
    users = sorted({u for u, _ in by_user_day})
    types = sorted(TYPES)
    start = SAMPLE_ARGS["start"]
    label_days = [start + timedelta(days=k) for k in range(6, SAMPLE_ARGS["days"] - 1)]
    rows = []
    for d in label_days:
        for user in users:
            window = [
                (k, e) for k in range(7) for e in by_user_day.get((user, d - timedelta(k)), [])
            ]
            if not window:
                continue
            counts = Counter(e[1] for _, e in window)
            spend = sum(e[2] for _, e in window if e[1] == "purchase")
            features = [math.log1p(counts[t]) for t in types] + [
                math.log1p(len({e[3] for _, e in window})),
                math.log1p(spend),
                min(k for k, _ in window),
                counts["add_to_cart"] / (1 + counts["purchase"]),
                sum(e[0] for _, e in window) / len(window) / 24,
            ]
            label = any(
                e[1] == "purchase" and e[2] >= 100
                for e in by_user_day.get((user, d + timedelta(1)), [])
            )
            rows.append((d, features, label))
    holdout = set(label_days[-2:])
    train = [r for r in rows if r[0] not in holdout]
    test = [r for r in rows if r[0] in holdout]
    x = np.array([r[1] for r in train])
    y = np.array([r[2] for r in train], dtype=float)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    x = (x - mean) / std
    weights = np.where(y == 1, (1 - y.mean()) / y.mean(), 1.0)
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(2000):  # weighted logistic regression by gradient descent
        p = 1 / (1 + np.exp(-(x @ w + b)))
        g = (p - y) * weights / weights.mean()
        w -= 0.5 * (x.T @ g / len(y) + 0.01 * w)
        b -= 0.5 * g.mean()
    x_test = (np.array([r[1] for r in test]) - mean) / std
    labels = [r[2] for r in test]
    auc = _auc(list(x_test @ w + b), labels)
    positive_rate = (y.sum() + sum(labels)) / (len(train) + len(test))
    assert 0.05 <= positive_rate <= 0.20
    assert sum(labels) >= 40
    assert auc >= 0.75, auc


def test_sample_defects_are_in_the_expected_range() -> None:
    records = _jsonl_records(SAMPLE_DIR)
    assert len(records) == 14 * 2500
    bad = sum(1 for day, _, v in records if v is None or _problems(v, day))
    # 3% defects, of which noise, hostile text and duplicates (about 40%) are valid records.
    assert 0.012 * len(records) < bad < 0.024 * len(records)
