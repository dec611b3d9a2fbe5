"""Fixtures for the infrastructure tests: terraform with a local provider mirror, checkov, moto.

Nothing here reaches the network: the AWS provider comes from a filesystem mirror
(``TF_PLUGIN_DIR``, default /opt/tf-plugins), and every AWS API call goes to a moto server
started on a free loopback port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.infra import AWS_PROVIDER, PLUGIN_DIR, TF_DIR, provider_in_mirror, terraform_binary
from helpers.tooling import missing_tool


@pytest.fixture(scope="session")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The terraform binary and an environment whose CLI config installs from the local mirror."""
    exe = terraform_binary()
    if exe is None:
        missing_tool("terraform binary not found on PATH")
    if not provider_in_mirror():
        missing_tool(
            f"hashicorp/aws provider not found in the mirror {PLUGIN_DIR}/{AWS_PROVIDER} "
            "(set TF_PLUGIN_DIR to a filesystem mirror)"
        )
    home = tmp_path_factory.mktemp("tfcli")
    rc = home / "terraform.rc"
    rc.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{PLUGIN_DIR}"\n'
        f'    include = ["{AWS_PROVIDER}"]\n  }}\n'
        f'  direct {{\n    exclude = ["{AWS_PROVIDER}"]\n  }}\n'
        "}\n"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "TF_")) or k == "TF_PLUGIN_DIR"
    }
    env |= {
        "TF_CLI_CONFIG_FILE": str(rc),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "HOME": str(home),
    }
    yield {"exe": exe, **env}


@pytest.fixture(scope="session")
def tf_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of infra/terraform, so init and state never touch the work tree."""
    dest = tmp_path_factory.mktemp("tf") / "terraform"
    shutil.copytree(
        TF_DIR,
        dest,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"),
    )
    return dest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server of our own on a free loopback port, stopped at the end of the session."""
    exe = Path(sys.executable).parent / "moto_server"
    if not exe.exists():
        missing_tool(f"moto_server not installed at {exe}; run `make setup`")
    port = _free_port()
    proc = subprocess.Popen(
        [str(exe), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"moto_server did not start on 127.0.0.1:{port}")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
