#!/usr/bin/env bash
# Builds the test control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) from the Go modules pinned in this folder's go.mod/go.sum into
# test/controlplane/bin/. See README.md in this folder.
#
#   build.sh            the control plane (bin/.stamp)
#   build.sh node       kubelet and kube-proxy for the real-node tests (bin/.stamp-node)
#
# Idempotent: skips the build when every needed binary exists and the set's stamp
# matches a hash of go.mod, go.sum, the set's cmd/<binary> and internal/ *.go, this
# script and the Go version. Uses the
# default Go build and module caches (GOCACHE / GOMODCACHE), so reruns are warm
# (kubelet and kube-proxy share most packages with the control plane).
#
# When KUBEBUILDER_ASSETS is set and holds kube-apiserver and etcd (the envtest
# layout), those two are used by the launcher and only kube-controller-manager and
# kube-scheduler are built here (envtest ships neither).
#
# Environment:
#   KUBEBUILDER_ASSETS   optional envtest binary folder (see above)
#   CONTROLPLANE_FORCE=1 rebuild even when the stamp matches
#   CONTROLPLANE_QUIET=1 print nothing when up to date
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/bin"
mkdir -p "$bin"

K8S_VERSION=v1.34.4
K8S_MAJOR=1
K8S_MINOR=34
# The commit k8s.io/kubernetes v1.34.4 was tagged from is not in the module zip;
# a fixed placeholder keeps builds reproducible.
K8S_COMMIT=0000000000000000000000000000000000000000
BUILD_DATE=2026-01-01T00:00:00Z

set_name="${1:-controlplane}"
case "$set_name" in
  controlplane) stamp_file=.stamp; targets=(etcd kube-apiserver kube-controller-manager kube-scheduler) ;;
  node) stamp_file=.stamp-node; targets=(kubelet kube-proxy) ;;
  *) echo "build.sh: unknown set '$set_name' (controlplane | node)" >&2; exit 2 ;;
esac
if [[ "$set_name" == controlplane && -n "${KUBEBUILDER_ASSETS:-}" && -x "$KUBEBUILDER_ASSETS/kube-apiserver" && -x "$KUBEBUILDER_ASSETS/etcd" ]]; then
  targets=(kube-controller-manager kube-scheduler)
  [[ -n "${CONTROLPLANE_QUIET:-}" ]] || echo "build-controlplane: using etcd and kube-apiserver from KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
fi

# One build at a time (parallel test runs share this folder).
exec 9>"$bin/.lock"
flock 9

stamp_input() {
  cd "$here"
  go version
  sha256sum go.mod go.sum build.sh
  local dirs=(internal)
  for t in "${targets[@]}"; do dirs+=("cmd/$t"); done
  find "${dirs[@]}" -name '*.go' -print0 | sort -z | xargs -0 sha256sum
}
want="$(stamp_input | sha256sum | cut -d' ' -f1)"

up_to_date=1
for t in "${targets[@]}"; do [[ -x "$bin/$t" ]] || up_to_date=0; done
if [[ $up_to_date == 1 && -z "${CONTROLPLANE_FORCE:-}" && -f "$bin/$stamp_file" && "$(cat "$bin/$stamp_file")" == "$want" ]]; then
  [[ -n "${CONTROLPLANE_QUIET:-}" ]] || echo "build-$set_name: up to date (${targets[*]})"
  exit 0
fi

ld="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$K8S_MAJOR -X $pkg.gitMinor=$K8S_MINOR"
  ld+=" -X $pkg.gitCommit=$K8S_COMMIT -X $pkg.gitTreeState=clean -X $pkg.buildDate=$BUILD_DATE"
done

pkgs=()
for t in "${targets[@]}"; do pkgs+=("./cmd/$t"); done

echo "build-$set_name: building ${targets[*]} (a cold build takes a while; see README.md)"
rm -f "$bin/$stamp_file"
start=$(date +%s)
cd "$here"
CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -trimpath -mod=readonly" go build -ldflags "$ld" -o "$bin/" "${pkgs[@]}"
echo "$want" > "$bin/$stamp_file"
echo "build-$set_name: done in $(( $(date +%s) - start ))s"
