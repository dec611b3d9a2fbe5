"""Paths and helpers shared by the infrastructure tests (imported by conftest and tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
TF_DIR = INFRA / "terraform"
PLUGIN_DIR = Path(os.environ.get("TF_PLUGIN_DIR", "/opt/tf-plugins"))
AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"


def terraform_binary() -> str | None:
    return shutil.which("terraform")


def checkov_binary() -> str | None:
    local = ROOT / ".venv-tools" / "bin" / "checkov"
    return str(local) if local.exists() else shutil.which("checkov")


def provider_in_mirror() -> bool:
    return any((PLUGIN_DIR / AWS_PROVIDER).glob("*/*/terraform-provider-aws*"))


def run_tf(terraform: dict[str, str], cwd: Path, *args: str, timeout: int = 300):
    """Run terraform in ``cwd``; return the CompletedProcess (never raises on a non-zero exit)."""
    env = {k: v for k, v in terraform.items() if k != "exe"}
    return subprocess.run(
        [terraform["exe"], *args, "-no-color"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
