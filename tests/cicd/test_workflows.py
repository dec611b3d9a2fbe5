"""The GitHub Actions workflows as data: triggers, permissions, pins, what each job runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"uses:\s*(\S+@[0-9a-f]{40})\s+#\s*v\d+(\.\d+)*\s*$")


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as the boolean True.
    return workflow.get("on", workflow.get(True))  # type: ignore[no-any-return]


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def run_text(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


@pytest.fixture(scope="module")
def ci() -> dict[str, Any]:
    return load("ci.yml")


@pytest.fixture(scope="module")
def cd() -> dict[str, Any]:
    return load("cd.yml")


def test_ci_triggers_on_branches_except_main_and_on_pull_requests(ci):
    assert triggers(ci) == {"push": {"branches-ignore": ["main"]}, "pull_request": None}


def test_cd_triggers_only_on_push_to_main(cd):
    assert triggers(cd) == {"push": {"branches": ["main"]}}


@pytest.mark.parametrize("name", ["ci.yml", "cd.yml", "rollback.yml"])
def test_workflow_default_permissions_are_read_only(name):
    assert load(name)["permissions"] == {"contents": "read"}


def test_ci_only_the_plan_job_gets_an_oidc_token(ci):
    with_token = {
        name: job["permissions"]
        for name, job in ci["jobs"].items()
        if job.get("permissions", {}).get("id-token") == "write"
    }
    assert with_token == {"plan": {"contents": "read", "id-token": "write"}}


def test_ci_plan_job_runs_for_pull_requests_with_the_plan_role(ci):
    plan = ci["jobs"]["plan"]
    assert "github.event_name == 'pull_request'" in plan["if"]
    creds = [s for s in plan["steps"] if "configure-aws-credentials" in s.get("uses", "")]
    assert [s["with"]["role-to-assume"] for s in creds] == ["${{ vars.AWS_PLAN_ROLE_ARN }}"]
    assert 'terraform -chdir="${TF_DIR}" plan' in run_text(plan)
    assert "apply" not in run_text(plan)


def test_cd_plans_with_the_plan_role_then_applies_that_plan_in_prod(cd):
    assert list(cd["jobs"]) == ["plan", "deploy"]
    plan = cd["jobs"]["plan"]
    assert "environment" not in plan
    creds = [s for s in plan["steps"] if "configure-aws-credentials" in s.get("uses", "")]
    assert [s["with"]["role-to-assume"] for s in creds] == ["${{ vars.AWS_PLAN_ROLE_ARN }}"]
    assert "plan -input=false -lock=false -no-color" in run_text(plan)
    assert "-var-file=envs/prod.tfvars -out=tfplan" in run_text(plan)
    assert "GITHUB_STEP_SUMMARY" in run_text(plan)
    uploads = [s for s in plan["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert [s["with"]["name"] for s in uploads] == ["terraform-plan-prod"]
    deploy = cd["jobs"]["deploy"]
    assert deploy["needs"] == "plan"
    downloads = [
        s for s in deploy["steps"] if s.get("uses", "").startswith("actions/download-artifact@")
    ]
    assert [s["with"]["name"] for s in downloads] == ["terraform-plan-prod"]
    applies = [s["run"] for s in deploy["steps"] if " apply " in s.get("run", "")]
    assert applies == ['terraform -chdir="${TF_DIR}" apply -input=false -lock-timeout=10m tfplan']
    assert "-auto-approve" not in (WORKFLOWS / "cd.yml").read_text()


def test_ci_pr_plan_takes_no_lock_and_publishes_the_plan(ci):
    plan = ci["jobs"]["plan"]
    assert "plan -input=false -lock=false -no-color" in run_text(plan)
    assert "-var-file=envs/prod.tfvars -out=tfplan" in run_text(plan)
    assert "GITHUB_STEP_SUMMARY" in run_text(plan)
    uploads = [s for s in plan["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert [s["with"]["name"] for s in uploads] == ["terraform-plan-prod"]


def test_cd_deploy_job_runs_in_prod_with_the_deploy_role(cd):
    job = cd["jobs"]["deploy"]
    assert job["environment"] == {"name": "prod"}
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    creds = [s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")]
    assert [s["with"]["role-to-assume"] for s in creds] == ["${{ vars.AWS_DEPLOY_ROLE_ARN }}"]
    # No stored keys anywhere.
    text = (WORKFLOWS / "cd.yml").read_text() + (WORKFLOWS / "ci.yml").read_text()
    assert "aws-access-key-id" not in text
    assert "secrets." not in text


def test_cd_steps_build_then_assume_role_then_apply_then_deploy(cd):
    job = cd["jobs"]["deploy"]
    order = []
    for step in job["steps"]:
        run, uses = step.get("run", ""), step.get("uses", "")
        if "-m eventlake.tools.release" in run:
            order.append("build")
        elif "configure-aws-credentials" in uses:
            order.append("assume-role")
        elif " apply " in run:
            order.append("apply")
        elif "eventlake deploy" in run:
            order.append("deploy")
    assert order == ["build", "assume-role", "apply", "deploy"]
    deploy_run = run_text(job)
    assert '--env prod --release-id "${GITHUB_SHA}"' in deploy_run


def test_cd_concurrency_never_overlaps_nor_cancels_a_deploy(cd):
    assert cd["concurrency"] == {"group": "cd-prod", "cancel-in-progress": False}


@pytest.mark.parametrize("name", ["ci.yml", "cd.yml", "rollback.yml"])
def test_every_action_is_pinned_to_a_full_commit_sha_with_a_version_comment(name):
    uses = [step["uses"] for step in steps(load(name)) if "uses" in step]
    assert uses, name
    assert [u for u in uses if not SHA_PIN.match(u)] == []
    lines = [line for line in (WORKFLOWS / name).read_text().splitlines() if "uses:" in line]
    assert [line for line in lines if not VERSION_COMMENT.search(line)] == []


@pytest.mark.parametrize("name", ["ci.yml", "cd.yml", "rollback.yml"])
def test_every_checkout_drops_its_credentials(name):
    checkouts = [s for s in steps(load(name)) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)


@pytest.mark.parametrize("name", ["ci.yml", "cd.yml", "rollback.yml"])
def test_no_expression_inside_run_scripts(name):
    runs = [step["run"] for step in steps(load(name)) if "run" in step]
    assert [r for r in runs if "${{" in r] == []


def test_ci_test_job_runs_the_readme_test_command_with_java_17_and_caches(ci):
    job = ci["jobs"]["test"]
    runs = [s["run"] for s in job["steps"] if "run" in s]
    # The provider for the infra tests, then the README's command.
    assert len(runs) == 2
    assert runs[1] == "make test"
    java = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-java@")]
    assert [s["with"]["java-version"] for s in java] == ["17"]
    cached = "\n".join(
        s["with"]["path"] for s in job["steps"] if s.get("uses", "").startswith("actions/cache@")
    )
    for path in ("~/.cache/pip", "~/.cache/uv", "~/.cache/eventlake/ivy"):
        assert path in cached


def test_ci_runs_every_check_of_the_issue(ci):
    jobs = ci["jobs"]
    assert "make lint" in run_text(jobs["lint"])
    assert "make typecheck" in run_text(jobs["lint"])
    schema = run_text(jobs["schema"])
    assert "eventlake etl --date 2026-01-01" in schema
    assert "tests/fixtures/sample" in schema
    assert "eventlake validate-output" in schema
    assert "tests/dags/test_dag_integrity.py" in run_text(jobs["dags"])
    infra = run_text(jobs["infra"])
    for command in (
        "terraform fmt -check",
        "validate",
        "checkov",
        ".venv-tools/bin/actionlint",
        ".venv-tools/bin/zizmor --offline",
    ):
        assert command in infra


def test_cd_uses_no_dependency_cache(cd):
    assert [s for s in steps(cd) if s.get("uses", "").startswith("actions/cache@")] == []
    setup_python = [s for s in steps(cd) if s.get("uses", "").startswith("actions/setup-python@")]
    assert all("cache" not in s.get("with", {}) for s in setup_python)


def test_rollback_redeploys_a_published_release_by_hand_in_prod():
    rollback = load("rollback.yml")
    on = triggers(rollback)
    assert list(on) == ["workflow_dispatch"]
    assert on["workflow_dispatch"]["inputs"]["release_id"]["required"] is True
    assert rollback["concurrency"] == {"group": "cd-prod", "cancel-in-progress": False}
    (job,) = rollback["jobs"].values()
    assert job["environment"] == {"name": "prod"}
    creds = [s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")]
    assert [s["with"]["role-to-assume"] for s in creds] == ["${{ vars.AWS_DEPLOY_ROLE_ARN }}"]
    script = run_text(job)
    # The input reaches the shell only as an environment variable, checked to be a SHA.
    assert job["env"]["RELEASE_ID"] == "${{ inputs.release_id }}"
    assert '[[ "${RELEASE_ID}" =~ ^[0-9a-f]{40}$ ]]' in script
    assert '--release-id "${RELEASE_ID}"' in script
    assert "--use-published" in script
    assert 'terraform -chdir="${TF_DIR}" apply' not in script
    assert "eventlake.tools.release" not in script  # nothing is built


def test_uv_is_pinned_to_one_version_everywhere():
    makefile = (ROOT / "Makefile").read_text()
    (version,) = re.findall(r"^UV_VERSION := (\S+)$", makefile, flags=re.M)
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert "'uv==$(UV_VERSION)'" in makefile
    assert "'uv==0.13.9'" in (WORKFLOWS / "cd.yml").read_text()
    assert load("rollback.yml")["env"]["UV_VERSION"] == version
    assert version == "0.13.9"


def test_ci_test_job_gives_the_infra_tests_their_provider_before_make_test(ci):
    names = [s.get("name", s.get("uses", "")) for s in ci["jobs"]["test"]["steps"]]
    fill = names.index("terraform provider into a plugin cache (the infra tests' mirror)")
    assert fill < names.index("make test")
    script = ci["jobs"]["test"]["steps"][fill]["run"]
    assert 'TF_PLUGIN_CACHE_DIR="${cache}" terraform -chdir=infra/terraform \\' in script
    assert "init -backend=false -input=false" in script
    assert 'echo "TF_PLUGIN_DIR=${cache}" >> "${GITHUB_ENV}"' in script


def test_setup_ci_and_release_install_from_the_hash_pinned_locks():
    makefile = (ROOT / "Makefile").read_text()
    assert "$(VENV)/.installed: pyproject.toml requirements/dev.lock" in makefile
    assert "--require-hashes -r requirements/dev.lock" in makefile
    assert "--no-deps -e ." in makefile
    for name in ("cd.yml", "rollback.yml"):
        assert "--require-hashes -r requirements/dev.lock" in (WORKFLOWS / name).read_text()
    dev = (ROOT / "requirements" / "dev.lock").read_text()
    emr = (ROOT / "requirements" / "emr.lock").read_text()
    # Every pin carries its hashes; the EMR lock has the aws extra and the client line.
    for lock in (dev, emr):
        pins = re.findall(r"^([a-z0-9_.-]+)==\S+ \\$", lock, flags=re.M)
        assert len(pins) > 50
        assert lock.count("--hash=sha256:") >= len(pins)
    assert re.search(r"^sagemaker-mlflow==0\.5\.0 ", emr, flags=re.M)
    assert re.search(r"^mlflow==3\.0\.1 ", emr, flags=re.M)
    assert re.search(r"^apache-airflow==", dev, flags=re.M)
    assert not re.search(r"^apache-airflow==", emr, flags=re.M)


def test_ci_mwaa_job_installs_from_the_built_plugins_with_no_index(ci):
    job = ci["jobs"]["mwaa-requirements"]
    text = run_text(job)
    python = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python"))

    assert python["with"]["python-version"] == "3.12"  # MWAA's Python
    assert "python -m eventlake.tools.release --mwaa-only" in text
    assert 'unzip -q "${RUNNER_TEMP}/release/mwaa/plugins.zip"' in text
    assert 'python -m venv "${RUNNER_TEMP}/mwaa-venv"' in text
    install = next(line for line in text.splitlines() if "-m pip install --no-index" in line)
    assert install.strip().startswith('"${venv_python}" -m pip install --no-index --find-links')
    assert '-c "${plugins}/constraints.txt"' in text
    assert "pip check" in text
    installing = next(s for s in job["steps"] if "-m pip install --no-index" in s.get("run", ""))
    assert installing["env"] == {"PIP_NO_INDEX": "1"}
    # Not the former check, a dry-run resolution against PyPI.
    assert "--dry-run" not in text
