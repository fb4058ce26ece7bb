# Two commands for a fresh machine (see README): `make plan` and `make test`.
# Each creates .venv/ at the repository root and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORE := $(VENV)/.installed-core
DEV := $(VENV)/.installed-dev
CDKTN_VENV := .venv-cdktn
PIP := $(BIN)/pip install --disable-pip-version-check --progress-bar on --no-compile
SOURCES := infra lakestack policies review bootstrap lifecycle bench
# Bytecode is compiled once at install, on every core, so no command pays for it (not even under
# PYTHONDONTWRITEBYTECODE=1), at both optimization levels: parallel synth workers run with
# `python -O` (infra/synth_worker.py). The provider bindings' ~250 submodules are skipped: importing
# infra.cdk compiles the few the stacks use (docs/benchmark.md).
PROVIDERS := /(cdktf_cdktf_provider_databricks|cdktn_provider_databricks)/
define compile
	@echo "==> compiling bytecode ($(1))"
	$(1)/bin/python -m compileall -q -j 0 -o 0 -o 1 -x '$(PROVIDERS)' $(SOURCES) tests $$($(1)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
	env -u PYTHONDONTWRITEBYTECODE $(1)/bin/python -c 'import infra.cdk'
	env -u PYTHONDONTWRITEBYTECODE $(1)/bin/python -O -c 'import infra.cdk'
endef
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1

# The Databricks provider the CDK bindings target (a test checks the synth asks for this version).
PROVIDER_VERSION := 1.99.0

.PHONY: venv plan test typecheck lint lint-workflows demo bench bench-monitoring node spark provider cdktn-compare clean

$(BIN)/python:
	@echo "==> creating $(VENV)"
	$(PYTHON) -m venv $(VENV)

## Core only: what synth, audit, review and bootstrap import (the lifecycle is the `lifecycle` extra).
$(CORE): pyproject.toml | $(BIN)/python
	@echo "==> installing lakestack (core dependencies)"
	$(PIP) -e .
	$(call compile,$(VENV))
	touch $(CORE)

## Tests and the demo: core + the lifecycle extra (MLflow, scikit-learn, pandas) + test tools.
$(DEV): pyproject.toml | $(BIN)/python
	@echo "==> installing lakestack with the dev and lifecycle extras"
	$(PIP) -e '.[dev]'
	$(call compile,$(VENV))
	touch $(CORE) $(DEV)

venv: $(DEV)

## The main job, offline: synthesize every environment, audit the policies, review against an empty base.
plan: $(CORE)
	$(BIN)/lakestack plan

## The whole test suite (and lint and the type checker); the cdktf CLI is part of it (cdktf.json must synthesize what lakestack does).
test: $(DEV) node_modules/.installed provider spark typecheck
	$(BIN)/ruff check .
	$(BIN)/pytest -q

## mypy on the packages and settings of [tool.mypy] in pyproject.toml (docs/typing.md); its cache is .mypy_cache/.
typecheck: $(DEV)
	$(BIN)/mypy

lint: $(DEV)
	$(BIN)/ruff check .

## The workflow linters, from their registries (pip and the Go module proxy; both cached), then a run on .github/.
ACTIONLINT_VERSION := v1.7.12
ZIZMOR_VERSION := 1.32.0
TOOLS := .lakestack/tools
$(TOOLS)/bin/actionlint:
	GOBIN=$(abspath $(TOOLS)/bin) go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

$(BIN)/zizmor: $(DEV)
	$(BIN)/pip install --quiet zizmor==$(ZIZMOR_VERSION)

lint-workflows: $(TOOLS)/bin/actionlint $(BIN)/zizmor
	$(TOOLS)/bin/actionlint -shellcheck= -pyflakes=
	$(BIN)/zizmor --offline --no-progress .github/

## The model lifecycle end to end on local Spark + Delta Lake and a local MLflow store.
demo: $(DEV) spark
	$(BIN)/lakestack demo

## Local Spark's extras, cached in ~/.cache/lakestack/jars (LAKESTACK_JARS): Delta Lake's jars from Maven
## Central (pinned in lifecycle/spark.py) and the environment-catalog plugin compiled with javac. Needs a JDK 17 and mvn.
spark: $(DEV)
	$(BIN)/python -m lifecycle.spark

## The cdktf CLI (for `npx cdktf deploy <env>` and the benchmark's side-by-side).
node_modules/.installed: package.json package-lock.json
	@echo "==> installing the cdktf CLI (npm ci)"
	npm ci --no-audit --no-fund
	touch node_modules/.installed

node: node_modules/.installed

## The real Databricks provider for `terraform validate/plan` in the tests (cached; skipped with a reason when unavailable).
provider:
	@bash .ci/provider.sh $(PROVIDER_VERSION)

## Cost of synth, audit and review as the platform grows, beside the cdktf CLI and checkov (docs/benchmark.md).
## Options through BENCH_ARGS, for example: make bench BENCH_ARGS='--sizes example,1,10 --runs 1'
bench: $(CORE) node_modules/.installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## The example synthesized under both CDK engines and compared (CDK Terrain in its own venv, docs/cdk-engine.md).
$(CDKTN_VENV)/.installed: pyproject.toml
	@echo "==> creating $(CDKTN_VENV) with the cdktn extra"
	$(PYTHON) -m venv $(CDKTN_VENV)
	$(CDKTN_VENV)/bin/pip install --disable-pip-version-check --progress-bar on --no-compile -e '.[cdktn]' pytest
	$(call compile,$(CDKTN_VENV))
	env -u PYTHONDONTWRITEBYTECODE LAKESTACK_CDK_ENGINE=cdktn $(CDKTN_VENV)/bin/python -c 'import infra.cdk'
	touch $@

cdktn-compare: $(CDKTN_VENV)/.installed
	$(CDKTN_VENV)/bin/pytest -q tests/infra/test_cdk_engines.py

## One monitoring pass (unpack, label merge, metrics, decision) over 100,000 logged requests on local Spark.
## Options through MONITORING_ARGS, for example: make bench-monitoring MONITORING_ARGS='--requests 10000'
bench-monitoring: $(DEV) spark
	$(BIN)/python bench/monitoring.py $(MONITORING_ARGS)

clean:
	rm -rf cdktf.out review-out .lakestack
