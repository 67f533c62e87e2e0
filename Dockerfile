# syntax=docker/dockerfile:1
# The bugforge image: the operator (`bugforge operator`) and every CPU pipeline stage
# (`bugforge stage <name>`). The GPU stage image is stage-images/Dockerfile.gpu.
#   docker build -t ghcr.io/bugforge/bugforge:0.1.0 .
# Without Docker Hub, `npm run images` (scripts/images.sh) builds this same file with buildah on a
# base it assembles (Debian bookworm minbase + the same Node release), passed as NODE_IMAGE.
# A build behind a TLS-intercepting proxy can hand the proxy's CA to npm for the build only:
#   docker build --secret id=ca_bundle,src=/etc/ssl/certs/ca-certificates.crt .
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# ---- build: compile the TypeScript to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV ONNXRUNTIME_NODE_INSTALL_CUDA=skip
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own `prepare` (tsc) needs the sources, copied below; no
# dependency needs its install script here (onnxruntime-node ships its CPU binaries, the
# tree-sitter grammars are used as .wasm).
RUN --mount=type=secret,id=ca_bundle,required=false \
    if [ -f /run/secrets/ca_bundle ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca_bundle; fi \
 && npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY api ./api
COPY cli ./cli
COPY core ./core
COPY operator ./operator
COPY stage-images ./stage-images
RUN npm run build

# ---- deps: production node_modules only ----
# onnxruntime-node ships its binaries for six platforms; only this one's are kept (~170 MB less).
# onnxruntime-web is @huggingface/transformers' browser backend, left out of its Node build (~90 MB).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL_CUDA=skip
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca_bundle,required=false \
    if [ -f /run/secrets/ca_bundle ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca_bundle; fi \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && keep="$(node -p 'process.platform + "/" + process.arch')" \
 && test -f "node_modules/onnxruntime-node/bin/napi-v3/$keep/onnxruntime_binding.node" \
 && find node_modules/onnxruntime-node/bin/napi-v3 -mindepth 2 -maxdepth 2 -type d ! -path "*/napi-v3/$keep" -exec rm -rf {} + \
 && rm -rf node_modules/onnxruntime-web

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini=0.19.* \
 && rm -rf /var/lib/apt/lists/*
# Read-only root filesystem: everything that writes goes under /tmp (an emptyDir in Kubernetes).
ENV NODE_ENV=production \
    HOME=/tmp \
    XDG_CACHE_HOME=/tmp/.cache \
    NPM_CONFIG_CACHE=/tmp/.npm \
    HF_HOME=/tmp/.cache/huggingface \
    BUGFORGE_CACHE_DIR=/tmp/.cache/bugforge \
    BUGFORGE_LOG_FORMAT=json
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY crds ./crds
COPY demo ./demo
COPY manifests ./manifests
RUN groupadd --system --gid 10001 bugforge \
 && useradd --system --uid 10001 --gid bugforge --home-dir /tmp --no-create-home --shell /usr/sbin/nologin bugforge
USER 10001:10001
ENTRYPOINT ["tini", "--", "node", "/app/bin/bugforge.js"]
CMD ["--help"]
