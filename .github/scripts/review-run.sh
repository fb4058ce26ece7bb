#!/usr/bin/env bash
# Print the id of the newest workflow run that uploaded the review of commit $SHA (artifact
# review-<sha>), for a gate re-decided on a label or an approval without reviewing again.
# Usage: review-run.sh   (env: GH_TOKEN, REPO, SHA)
set -euo pipefail
run_id="$(gh api "repos/${REPO:?}/actions/artifacts?name=review-${SHA:?}&per_page=1" \
  --jq '.artifacts[0].workflow_run.id // empty')"
if [ -z "$run_id" ]; then
  echo "::error::no review of commit $SHA yet: the pull request's review job has not finished for it"
  exit 1
fi
echo "$run_id"
