"""`eventlake ui`: the Airflow UI (`airflow api-server`) and the MLflow UI on 127.0.0.1."""

from __future__ import annotations

import argparse
import subprocess
import time

from eventlake.orchestration.airflow_home import airflow_env, executable, migrate
from eventlake.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--airflow-port", type=int, default=8080)
    parser.add_argument("--mlflow-port", type=int, default=5000)


def main(args: argparse.Namespace, settings: Settings) -> int:
    env = airflow_env(settings)
    migrate(settings)
    host = "127.0.0.1"
    procs = [
        subprocess.Popen(
            [executable("airflow"), "api-server", "--host", host, "--port", str(args.airflow_port)],
            env=env,
        ),
        subprocess.Popen(
            [
                executable("mlflow"),
                "ui",
                "--host",
                host,
                "--port",
                str(args.mlflow_port),
                "--backend-store-uri",
                settings.tracking_uri,
            ],
            env=env,
        ),
    ]
    print(
        f"Airflow UI: http://{host}:{args.airflow_port}  (DAG eventlake_daily; no login locally)\n"
        f"MLflow UI:  http://{host}:{args.mlflow_port}  (model {settings.ml.model_name})\n"
        "Ctrl-C stops both.",
        flush=True,
    )
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    failed = [p.returncode for p in procs if p.returncode not in (0, -15, None)]
    return 1 if failed else 0
