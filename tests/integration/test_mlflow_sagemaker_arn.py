"""The training job's MLflow connection in aws mode: a SageMaker MLflow tracking server ARN.

On EMR the driver gets MLFLOW_TRACKING_URI = the tracking server ARN (Variable
eventlake_mlflow_tracking_uri) and nothing else; the sagemaker-mlflow plugin turns the ARN into
the server's URL and signs each request with the job role's credentials. Here a real
`mlflow server` on loopback stands in for SageMaker's (the plugin's
SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT points it there) and the credentials are moto's dummies.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers.tooling import missing_tool

VENV_BIN = Path(sys.executable).parent
ARN = "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/eventlake-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mlflow_server(tmp_path: Path):
    exe = VENV_BIN / "mlflow"
    if not exe.exists():
        missing_tool(f"mlflow not installed at {exe}; run `make setup`")
    port = _free_port()
    proc = subprocess.Popen(
        [
            str(exe),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--backend-store-uri",
            f"sqlite:///{tmp_path}/server.db",
            "--default-artifact-root",
            f"file://{tmp_path}/artifacts",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own process group: the server starts uvicorn workers, stopped with it below.
        start_new_session=True,
        # No background job runner (a dozen huey consumers) for this short-lived server.
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )
    url = f"http://127.0.0.1:{port}"
    # Creating the SQLite schema takes 1-2 minutes on a loaded 2-core machine.
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as resp:
                if resp.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"mlflow server did not start on {url}")
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _in_child(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter: MLflow caches its store per URI in-process."""
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


CONNECT = """
import sys
from eventlake.io import registry
from eventlake.settings import load_settings
settings = load_settings("aws")           # what the EMR job loads (EVENTLAKE_ENV=aws)
client = registry.connect(settings.tracking_uri)
store = client._tracking_client.store
print("store", type(store).__module__, type(store).__name__)
exp = registry.ensure_experiment(client, "eventlake-arn-test", None)
print("experiment", client.get_experiment(exp).name)
"""


@pytest.mark.slow
def test_train_connects_to_the_tracking_server_by_its_arn(mlflow_server):
    env = {
        "EVENTLAKE_ENV": "aws",
        "MLFLOW_TRACKING_URI": ARN,
        "SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT": mlflow_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    done = _in_child(CONNECT, env)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    # The plugin's SigV4-signing store, chosen by MLflow for the arn: scheme.
    assert "store sagemaker_mlflow.mlflow_sagemaker_store MlflowSageMakerStore" in lines
    assert "experiment eventlake-arn-test" in lines


def test_arn_without_the_plugin_fails_fast_naming_the_extra():
    # sys.modules[name] = None makes `import sagemaker_mlflow` raise ImportError, as on an
    # archive built without the aws extra.
    code = "import sys; sys.modules['sagemaker_mlflow'] = None\n" + CONNECT
    done = _in_child(code, {"EVENTLAKE_ENV": "aws", "MLFLOW_TRACKING_URI": ARN})
    assert done.returncode != 0
    # Raised by registry.connect before MLflow is pointed anywhere: no request, no retry.
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("eventlake.errors.ConfigurationError: MLflow tracking URI arn:aws:")
    assert (
        f"MLflow tracking URI {ARN} is a SageMaker MLflow tracking server ARN, but the "
        "sagemaker-mlflow plugin is not installed in this Python: install eventlake with its "
        "`aws` extra"
    ) in done.stderr
