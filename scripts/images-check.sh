#!/usr/bin/env bash
# Runs the bugforge image (from `npm run images`) the way a Pod with the chart's securityContext runs
# it, with runc and no container engine: uid/gid 10001, read-only root filesystem, a tmpfs on /tmp
# (the Pod's emptyDir), no capabilities, no new privileges, no network. Inside it, from the
# read-only /app: `bugforge run --local` of the offline quickstart (every stage in its own
# `bugforge stage <name>` process) and of the same run with an ONNX encoder (onnxruntime-node and
# @huggingface/transformers on the read-only root), then `bugforge operator --help`.
# Not covered here: the RuntimeDefault seccomp profile (containerd's; the real-node e2e has it).
#
#   npm run images:check                 # the image in the cache's index.json
#   npm run images:check -- IMAGE        # an image in buildah's storage
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${BUGFORGE_IMAGE_CACHE:-$HOME/.cache/bugforge/images}"
cd "$root"
for tool in buildah runc jq; do
  command -v "$tool" >/dev/null || { echo "images-check: $tool not found" >&2; exit 1; }
done

image="${1:-}"
if [[ -z "$image" ]]; then
  [[ -f "$cache/bugforge.tar" ]] || { echo "images-check: no $cache/bugforge.tar: run npm run images first" >&2; exit 1; }
  image="localhost/bugforge-cache/bugforge:$(cut -c1-16 "$cache/bugforge.key")"
  buildah inspect --type image "$image" >/dev/null 2>&1 \
    || buildah tag "$(buildah pull --quiet "oci-archive:$cache/bugforge.tar" | tail -n1)" "$image"
fi

work="$(mktemp -d)"
id="bugforge-check-$$"
ctr=""
cleanup() {
  runc --root "$work/state" delete --force "$id" >/dev/null 2>&1 || true
  if [[ -n "$ctr" ]]; then buildah umount "$ctr" >/dev/null 2>&1 || true; buildah rm "$ctr" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The inputs, mounted read-only at /work: the quickstart as it ships, and the same run with a tiny
# real ONNX encoder (written by test/support/tiny-encoder.ts) instead of TF-IDF features.
mkdir -p "$work/in" "$work/state" "$work/bundle"
cp manifests/examples/quickstart.yaml "$work/in/quickstart.yaml"
sed -e 's/^  name: quickstart$/  name: quickstart-encoder/' -e 's|^    features: tfidf$|    features: encoder\n    encoder: /work/encoder|' \
  manifests/examples/quickstart.yaml >"$work/in/quickstart-encoder.yaml"
grep -q 'encoder: /work/encoder' "$work/in/quickstart-encoder.yaml" || { echo "images-check: could not derive the encoder run from quickstart.yaml" >&2; exit 1; }
npx tsx --eval "import('./test/support/tiny-encoder.ts').then((m) => m.writeEncoderDir(process.argv[1]))" "$work/in/encoder" >/dev/null
chmod -R a+rX "$work/in"

ctr="$(buildah from --quiet --name "$id" "$image")"
rootfs="$(buildah mount "$ctr")"
env_json="$(buildah inspect --type image "$image" | jq -c '.OCIv1.config.Env')"

cat >"$work/in/check.sh" <<'SCRIPT'
set -eu
bugforge() { node /app/bin/bugforge.js "$@"; }
cd /app
echo "--- as $(id -u):$(id -g), root filesystem: $(awk '$2 == "/" { print $4 }' /proc/mounts | cut -d, -f1), capabilities: $(awk '/^CapEff/ { print $2 }' /proc/self/status)"
if touch /app/probe 2>/dev/null; then echo "the root filesystem is writable" >&2; exit 1; fi
echo "--- node $(node --version), bugforge $(bugforge --version)"
for run in quickstart quickstart-encoder; do
  echo "--- bugforge run --local -f /work/$run.yaml --store /tmp/store (working directory /app, read-only)"
  start=$(date +%s)
  bugforge run --local -f "/work/$run.yaml" --store /tmp/store --no-progress
  metrics=$(find /tmp/store/runs -path "*/$run/*" -name metrics.json | head -n1)
  test -s "$metrics"
  echo "--- $run: $(( $(date +%s) - start )) s, $metrics: $(node -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(JSON.stringify(m.overall ?? m).slice(0, 200))' "$metrics")"
done
echo "--- logs beside the store: $(ls /tmp/store/logs)"
bugforge operator --help >/dev/null
echo "--- bugforge operator --help: ok"
SCRIPT

# Pod-like runc config: start from `runc spec`, then the Pod's restrictions.
(cd "$work/bundle" && runc spec)
nofile="$(ulimit -Hn)"
jq --arg rootfs "$rootfs" --arg in "$work/in" --argjson env "$env_json" --argjson nofile "$nofile" '
  .root = { path: $rootfs, readonly: true }
  | .hostname = "bugforge-check"
  | .process.terminal = false
  | .process.user = { uid: 10001, gid: 10001 }
  | .process.cwd = "/app"
  | .process.env = $env
  | .process.args = ["tini", "--", "sh", "/work/check.sh"]
  | .process.noNewPrivileges = true
  | .process.capabilities = { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] }
  | .process.rlimits = [{ type: "RLIMIT_NOFILE", hard: $nofile, soft: $nofile }]
  | .mounts += [
      { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777", "size=1g"] },
      { destination: "/work", type: "bind", source: $in, options: ["rbind", "ro"] }
    ]
' "$work/bundle/config.json" >"$work/bundle/config.json.new"
mv "$work/bundle/config.json.new" "$work/bundle/config.json"

echo "images-check: $image under runc (uid 10001, read-only root, tmpfs /tmp, no capabilities, no network)"
start=$SECONDS
runc --root "$work/state" run --bundle "$work/bundle" "$id"
echo "images-check: passed in $((SECONDS - start)) s"
