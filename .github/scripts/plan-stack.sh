#!/usr/bin/env bash
# Plan one synthesized stack and keep what the review and the deploy need:
#   $PLAN_DIR/<stack>.json            the plan as JSON, without secrets (lakestack redact-plan)
#   $PLAN_DIR/records/<stack>.json    the commit and state (lineage, serial) the plan was made from
#   $PLAN_DIR/<stack>.tfplan          the saved plan itself, only with SAVE_PLAN=1 (the deploy applies it)
# Raw plan JSON and pulled state hold secrets in clear text: they stay in a temporary folder.
# Usage: plan-stack.sh STACK   (env: COMMIT, SYNTH_DIR=cdktf.out, PLAN_DIR=plans, LOCK=true, SAVE_PLAN=0)
set -euo pipefail
stack="$1"
synth="${SYNTH_DIR:-cdktf.out}"
out="${PLAN_DIR:-plans}"
dir="$synth/stacks/$stack"
if [ ! -d "$dir" ]; then
  echo "no stack $stack in $synth: nothing to plan"
  exit 0
fi
lakestack="${LAKESTACK:-.venv/bin/lakestack}"
private="$(mktemp -d)"
trap 'rm -rf "$private"' EXIT
mkdir -p "$out/records"
terraform -chdir="$dir" init -input=false
terraform -chdir="$dir" state pull > "$private/state.json"
terraform -chdir="$dir" plan -input=false -lock="${LOCK:-true}" -out=plan.tfplan
terraform -chdir="$dir" show -json plan.tfplan > "$private/plan.json"
"$lakestack" redact-plan "$private/plan.json" --output "$out/$stack.json"
"$lakestack" saved-plan record --stack "$stack" --commit "${COMMIT:?set COMMIT to the commit being planned}" \
  --state "$private/state.json" --record "$out/records/$stack.json"
if [ "${SAVE_PLAN:-0}" = "1" ]; then
  cp "$dir/plan.tfplan" "$out/$stack.tfplan"
fi
