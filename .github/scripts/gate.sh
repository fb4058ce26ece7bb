#!/usr/bin/env bash
# Decide the gate from review/review.json, the event payload and the pull request's reviews,
# printing why it fails (also in the job summary).
# Usage: gate.sh   (env: GH_TOKEN, REPO, PR_NUMBER, GITHUB_EVENT_PATH, GITHUB_STEP_SUMMARY)
set -euo pipefail
lakestack="${LAKESTACK:-.venv/bin/lakestack}"
gh api --paginate "repos/${REPO:?}/pulls/${PR_NUMBER:?}/reviews" --jq '.[]' | jq -s . > reviews.json
"$lakestack" gate --review review/review.json --event "${GITHUB_EVENT_PATH:?}" --reviews reviews.json \
  --summary "${GITHUB_STEP_SUMMARY:-/dev/null}"
