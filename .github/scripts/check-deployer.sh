#!/usr/bin/env bash
# Stop early, saying what to set, when the GitHub environment has no deployer identity.
set -euo pipefail
if [ -z "${DATABRICKS_CLIENT_ID:-}" ]; then
  echo "::error::set the variable DATABRICKS_CLIENT_ID in the GitHub environment '${ENVIRONMENT:-?}'"
  exit 2
fi
