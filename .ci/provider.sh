#!/usr/bin/env bash
# The pinned Databricks Terraform provider in a filesystem mirror, for the real-provider tests.
# Built from the Go module proxy once and cached; when the proxy does not serve it, say so and go on:
# the tests that need it are skipped with that reason.
set -euo pipefail
version="${1:?provider version}"
plugins="${LAKESTACK_TF_PLUGINS:-$HOME/.cache/lakestack/terraform-plugins}"
target="$plugins/registry.terraform.io/databricks/databricks/$version/linux_amd64"
binary="$target/terraform-provider-databricks_v$version"
if [ -x "$binary" ]; then
  echo "provider: databricks $version cached in $target"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "provider: go is not installed; the real-provider tests will be skipped"
  exit 0
fi
echo "provider: building databricks $version from the Go module proxy (a few minutes, once)"
gobin="$(mktemp -d)"
if GOBIN="$gobin" go install "github.com/databricks/terraform-provider-databricks@v$version" 2>"$gobin/err"; then
  mkdir -p "$target"
  mv "$gobin/terraform-provider-databricks" "$binary"
  echo "provider: databricks $version built into $target"
else
  echo "provider: the Go module proxy does not serve github.com/databricks/terraform-provider-databricks@v$version" \
       "($(tail -n 1 "$gobin/err")); the real-provider tests will be skipped"
fi
rm -rf "$gobin"
