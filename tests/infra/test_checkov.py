"""checkov over infra/ with zero failed checks, justified skips, and custom checks that bite."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from helpers.infra import INFRA, ROOT, checkov_binary
from helpers.tooling import missing_tool

pytestmark = pytest.mark.infra

CUSTOM_CHECKS = INFRA / "checkov"
FIXTURES = Path(__file__).parent / "fixtures" / "checkov"
SKIP_COMMENT = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?")


def _checkov(target: Path, *extra: str) -> dict:
    exe = checkov_binary()
    if exe is None:
        missing_tool(
            f"checkov not found at {ROOT / '.venv-tools/bin/checkov'} or on PATH; run `make tools`"
        )
    result = subprocess.run(
        [
            exe,
            "--directory",
            str(target),
            "--framework",
            "terraform",
            "--external-checks-dir",
            str(CUSTOM_CHECKS),
            "--skip-download",  # no network: no guideline download
            "--output",
            "json",
            "--compact",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.stdout.strip(), f"checkov printed nothing:\n{result.stderr[-3000:]}"
    report = json.loads(result.stdout)
    if isinstance(report, list):
        (report,) = [r for r in report if r.get("check_type") == "terraform"]
    return report


@pytest.fixture(scope="module")
def infra_report() -> dict:
    return _checkov(INFRA)


def test_checkov_infra_has_no_failed_checks(infra_report: dict) -> None:
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}:{c['file_line_range']})"
        for c in infra_report["results"]["failed_checks"]
    ]
    assert failed == []
    assert infra_report["summary"]["passed"] > 300


def test_checkov_custom_checks_ran_on_infra(infra_report: dict) -> None:
    passed = [(c["check_id"], c["resource"]) for c in infra_report["results"]["passed_checks"]]
    tls = {resource for check, resource in passed if check == "CKV2_EVL_1"}
    emr = {resource for check, resource in passed if check == "CKV_EVL_2"}
    # four data buckets + access logs in the eventlake module, and the state bucket
    assert len(tls) >= 6, tls
    assert any("aws_emrserverless_application" in r for r in emr), emr


def test_checkov_skips_are_justified_in_code() -> None:
    skips = []
    for path in sorted(INFRA.rglob("*.tf")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = SKIP_COMMENT.search(line)
            if match:
                skips.append((f"{path.relative_to(ROOT)}:{number}", match.group(1), match.group(2)))
    assert skips, "no skips found: the pattern or the layout changed"
    unjustified = [where for where, _check, reason in skips if not (reason or "").strip()]
    assert unjustified == []


def test_checkov_custom_checks_fail_bad_and_pass_good_fixtures() -> None:
    report = _checkov(FIXTURES, "--check", "CKV2_EVL_1,CKV_EVL_2")
    outcome = {}
    for status in ("passed_checks", "failed_checks"):
        for check in report["results"][status]:
            outcome[(check["check_id"], check["resource"])] = status
    assert outcome == {
        ("CKV2_EVL_1", "aws_s3_bucket.good_tls"): "passed_checks",
        ("CKV2_EVL_1", "aws_s3_bucket.bad_no_policy"): "failed_checks",
        ("CKV2_EVL_1", "aws_s3_bucket.bad_policy_without_tls"): "failed_checks",
        ("CKV_EVL_2", "aws_emrserverless_application.good_private"): "passed_checks",
        ("CKV_EVL_2", "aws_emrserverless_application.bad_public_subnet"): "failed_checks",
        ("CKV_EVL_2", "aws_emrserverless_application.bad_literal_subnet"): "failed_checks",
        ("CKV_EVL_2", "aws_emrserverless_application.bad_no_vpc"): "failed_checks",
    }
