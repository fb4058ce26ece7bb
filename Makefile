# Two commands for a fresh machine (see README): `make plan` and `make test`.
# Each creates .venv/ at the repository root and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1

# The Databricks provider the CDK bindings target (a test checks the synth asks for this version).
PROVIDER_VERSION := 1.99.0

.PHONY: venv plan test lint lint-workflows demo bench node provider clean

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
test: $(STAMP) node_modules/.installed provider
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

## The workflow linters, from their registries (pip and the Go module proxy; both cached), then a run on .github/.
ACTIONLINT_VERSION := v1.7.12
ZIZMOR_VERSION := 1.32.0
TOOLS := .lakestack/tools
$(TOOLS)/bin/actionlint:
	GOBIN=$(abspath $(TOOLS)/bin) go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

$(BIN)/zizmor: $(STAMP)
	$(BIN)/pip install --quiet zizmor==$(ZIZMOR_VERSION)

lint-workflows: $(TOOLS)/bin/actionlint $(BIN)/zizmor
	$(TOOLS)/bin/actionlint -shellcheck= -pyflakes=
	$(BIN)/zizmor --offline --no-progress .github/

## The model lifecycle end to end on a local MLflow store.
demo: $(STAMP)
	$(BIN)/lakestack demo

## The cdktf CLI (for `npx cdktf deploy <env>` and the benchmark's side-by-side).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch node_modules/.installed

node: node_modules/.installed

## The real Databricks provider for `terraform validate/plan` in the tests (cached; skipped with a reason when unavailable).
provider:
	@bash .ci/provider.sh $(PROVIDER_VERSION)

## Cost of synth, audit and review as the platform grows, beside the cdktf CLI and checkov (docs/benchmark.md).
## Options through BENCH_ARGS, for example: make bench BENCH_ARGS='--sizes example,1,10 --runs 1'
bench: $(STAMP) node_modules/.installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf cdktf.out review-out .lakestack
