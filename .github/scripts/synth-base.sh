#!/usr/bin/env bash
# Synthesize the base branch (checked out in base/) with its own code into synth/base, and keep its
# platform.yaml in synth/base-config: the review judges tiers, protection and access from it.
# A base without lakestack is an empty platform; a marker file keeps the empty folder alive
# through the artifact upload (empty folders are not uploaded).
set -euo pipefail
mkdir -p synth/base synth/base-config
echo "base synth of ${BASE_SHA:-the base commit}; no stacks means an empty platform" > synth/base/BASE.txt
if [ -f base/infra/platform.yaml ] && [ -f base/pyproject.toml ]; then
  cp base/infra/platform.yaml synth/base-config/platform.yaml
  (cd base && make venv && .venv/bin/lakestack synth --out ../synth/base)
fi
