"""The project's tooling around the pipeline: the data generator (`generate`, `datagen/`), the
benchmark (`bench/`), the release build (`release`) and deploy (`deploy`), the local Airflow
harness (`run_local`, `ui`, `backfill`, `airflow_home`) and the jar resolver (`jars`).

Nothing in the pipeline's packages (contracts, transforms, io, ml, quality, jobs,
orchestration) imports from here; tests/unit/test_layering.py checks that.
"""
