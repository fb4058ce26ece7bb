# Two commands for a fresh machine (see README): `make plan` and `make test`.
# Each creates .venv/ at the repository root and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1

.PHONY: venv plan test lint demo bench bench-monitoring node spark clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## The main job, offline: synthesize every environment, audit the policies, review against an empty base.
plan: $(STAMP)
	$(BIN)/lakestack plan

## The whole test suite (and lint); the cdktf CLI is part of it (cdktf.json must synthesize what lakestack does).
test: $(STAMP) node_modules/.installed spark
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

## The model lifecycle end to end on local Spark + Delta Lake and a local MLflow store.
demo: $(STAMP) spark
	$(BIN)/lakestack demo

## Local Spark's extras, cached in ~/.cache/lakestack/jars (LAKESTACK_JARS): Delta Lake's jars from Maven
## Central (pinned in lifecycle/spark.py) and the environment-catalog plugin compiled with javac. Needs a JDK 17 and mvn.
spark: $(STAMP)
	$(BIN)/python -m lifecycle.spark

## The cdktf CLI (for `npx cdktf deploy <env>` and the benchmark's side-by-side).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch node_modules/.installed

node: node_modules/.installed

## Cost of synth, audit and review as the platform grows, beside the cdktf CLI and checkov (docs/benchmark.md).
## Options through BENCH_ARGS, for example: make bench BENCH_ARGS='--sizes example,1,10 --runs 1'
bench: $(STAMP) node_modules/.installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## One monitoring pass (unpack, label merge, metrics, decision) over 100,000 logged requests on local Spark.
## Options through MONITORING_ARGS, for example: make bench-monitoring MONITORING_ARGS='--requests 10000'
bench-monitoring: $(STAMP) spark
	$(BIN)/python bench/monitoring.py $(MONITORING_ARGS)

clean:
	rm -rf cdktf.out review-out .lakestack
