#!/usr/bin/env bash
# Write review.md (the sticky comment) and review.json (what the gate decides on) for one commit.
# A failed synth still gets a comment saying so, never a stale "Risk: none".
# A failed plan job fails the gate: each listed environment without a plan is named in the comment.
# Usage: review.sh   (env: SYNTH_RESULT, PLAN_RESULT, PLAN_ENVIRONMENTS (JSON list), COMMIT, RUN_URL;
#                     reads synth/ and plans/ from the artifacts)
set -euo pipefail
lakestack="${LAKESTACK:-.venv/bin/lakestack}"
meta=(--commit "${COMMIT:?}" --run-url "${RUN_URL:?}")
if [ "${SYNTH_RESULT:-}" != "success" ]; then
  "$lakestack" review --failed-step synth "${meta[@]}" --output review.md
  "$lakestack" review --failed-step synth "${meta[@]}" --format json --output review.json
  exit 0
fi
inputs=(--base synth/base --head synth/head)
for plan in plans/*.json; do
  if [ -f "$plan" ]; then inputs+=(--plan "$plan"); fi
done
if [ "${PLAN_RESULT:-}" = "failure" ]; then
  for environment in $(echo "${PLAN_ENVIRONMENTS:-[]}" | jq -r '.[]'); do
    if [ ! -f "plans/$environment.json" ]; then inputs+=(--failed-plan "$environment"); fi
  done
fi
if [ -f synth/base-config/platform.yaml ]; then
  inputs+=(--base-config synth/base-config/platform.yaml)
fi
"$lakestack" review "${inputs[@]}" "${meta[@]}" --output review.md
"$lakestack" review "${inputs[@]}" "${meta[@]}" --format json --output review.json
