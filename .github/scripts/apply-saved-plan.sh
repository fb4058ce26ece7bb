#!/usr/bin/env bash
# Apply the plan saved for STACK by plan-stack.sh, and nothing else: refused when it was made from
# another commit or the state has changed since (Terraform also refuses a stale saved plan).
# Usage: apply-saved-plan.sh STACK   (env: COMMIT, SYNTH_DIR=cdktf.out, PLAN_DIR=plans)
set -euo pipefail
stack="$1"
synth="${SYNTH_DIR:-cdktf.out}"
saved="${PLAN_DIR:-plans}"
dir="$synth/stacks/$stack"
lakestack="${LAKESTACK:-.venv/bin/lakestack}"
if [ ! -f "$saved/$stack.tfplan" ] || [ ! -f "$saved/records/$stack.json" ]; then
  echo "::error::no saved plan for stack $stack: the plan job must run first"
  exit 1
fi
private="$(mktemp -d)"
trap 'rm -rf "$private"' EXIT
terraform -chdir="$dir" init -input=false
terraform -chdir="$dir" state pull > "$private/state.json"
"$lakestack" saved-plan check --stack "$stack" --commit "${COMMIT:?set COMMIT to the commit being deployed}" \
  --state "$private/state.json" --record "$saved/records/$stack.json"
cp "$saved/$stack.tfplan" "$dir/plan.tfplan"
terraform -chdir="$dir" apply -input=false plan.tfplan
