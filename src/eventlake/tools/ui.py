"""`eventlake ui`: the Airflow UI (`airflow api-server`), the MLflow UI and the run reports'
index (a static file server over <artifacts>/reports) on 127.0.0.1."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from eventlake.settings import Settings
from eventlake.tools.airflow_home import airflow_env, executable, migrate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--airflow-port", type=int, default=8080)
    parser.add_argument("--mlflow-port", type=int, default=5000)
    parser.add_argument("--reports-port", type=int, default=8090)


def _reports_dir(settings: Settings):
    from eventlake.io.bucket import local_path, scheme
    from eventlake.io.paths import report_uri

    uri = report_uri(settings)
    return local_path(uri) if scheme(uri) == "file" else None


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
    reports = _reports_dir(settings)
    lines = [
        f"Airflow UI: http://{host}:{args.airflow_port}  (DAG eventlake_daily; no login locally)",
        f"MLflow UI:  http://{host}:{args.mlflow_port}  (model {settings.ml.model_name})",
    ]
    if reports is not None:
        reports.mkdir(parents=True, exist_ok=True)
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "http.server",
                    str(args.reports_port),
                    "--bind",
                    host,
                    "--directory",
                    str(reports),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        lines.append(f"Run reports: http://{host}:{args.reports_port}/index.html  ({reports})")
    else:
        lines.append(f"Run reports: under {settings.artifacts_uri}/reports (not a local folder)")
    print("\n".join([*lines, "Ctrl-C stops them all."]), flush=True)
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
