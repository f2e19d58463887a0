# syntax=docker/dockerfile:1.7
# StyleSprint Gateway: two targets.
#   docker build --target cpu -t stylesprint-gateway:cpu .
#   docker build --target gpu -t stylesprint-gateway:gpu .
# Lint: test/unit/dockerfile.test.ts lints it with dockerfile-utils, checks
# the parsed stages, that every COPY source exists, and runs the HEALTHCHECK;
# where hadolint is installed, `hadolint Dockerfile` as well.
# Production: set GATEWAY_API_KEYS (the gateway refuses to start without keys),
# and METRICS_PORT to serve /metrics on a port kept off the public network.

ARG NODE_VERSION=24

# ---- build: compile TypeScript with dev dependencies --------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node's install script would fetch CUDA binaries from NuGet.
# package.json's allowScripts stops npm running it; this variable, which the
# script reads, does the same under an npm too old to know allowScripts.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json codegen.ts ./
COPY src ./src
COPY schema ./schema
COPY providers ./providers
COPY tools ./tools
RUN npm run build

# ---- production dependencies, CPU build of onnxruntime ------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS deps-cpu
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

# ---- production dependencies with the CUDA 12 binaries of onnxruntime ---------
FROM node:${NODE_VERSION}-bookworm-slim AS deps-gpu
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# The CUDA 12 binaries of onnxruntime-node are fetched by its install script
# at build time. package.json's allowScripts keeps npm from running it (CPU
# installs stay offline), so run it explicitly.
ENV ONNXRUNTIME_NODE_INSTALL=cuda12
RUN npm ci --omit=dev \
 && (cd node_modules/onnxruntime-node && node script/install) \
 && npm cache clean --force

# ---- cpu: slim Node 24 image ---------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS cpu
ENV NODE_ENV=production PORT=4000 ORT_EXECUTION_PROVIDER=cpu DATABASE_PATH=/data/stylesprint.db
WORKDIR /app
COPY --from=deps-cpu /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY catalog ./catalog
COPY models ./models
COPY schema/schema.graphql ./schema/schema.graphql
# The trusted documents of the project's own clients (docs/trusted-documents.md): TRUSTED_DOCUMENTS=<role>=require works out of the box.
COPY clients/generated/persisted-documents.json ./clients/generated/persisted-documents.json
ENV TRUSTED_DOCUMENTS_MANIFEST=/app/clients/generated/persisted-documents.json
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM drains: /readyz turns 503, requests in flight finish within SHUTDOWN_GRACE_MS.
STOPSIGNAL SIGTERM
# The flags of `npm start`: a young generation of 2 x 16 MB, not the 2 x 64 MB V8 sizes from the heap limit (docs/operations.md).
CMD ["node", "--max-semi-space-size=16", "dist/src/index.js"]

# ---- gpu: CUDA 12 runtime with cuDNN, plus Node 24 -----------------------------
FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04 AS gpu
ARG NODE_VERSION
COPY --from=build /usr/local/bin/node /usr/local/bin/node
ENV NODE_ENV=production PORT=4000 ORT_EXECUTION_PROVIDER=auto DATABASE_PATH=/data/stylesprint.db
WORKDIR /app
COPY --from=deps-gpu /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY catalog ./catalog
COPY models ./models
COPY schema/schema.graphql ./schema/schema.graphql
# The trusted documents of the project's own clients (docs/trusted-documents.md): TRUSTED_DOCUMENTS=<role>=require works out of the box.
COPY clients/generated/persisted-documents.json ./clients/generated/persisted-documents.json
ENV TRUSTED_DOCUMENTS_MANIFEST=/app/clients/generated/persisted-documents.json
RUN useradd --system --uid 10001 --home /app gateway && mkdir -p /data && chown gateway /data
USER gateway
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM drains: /readyz turns 503, requests in flight finish within SHUTDOWN_GRACE_MS.
STOPSIGNAL SIGTERM
# The flags of `npm start`: a young generation of 2 x 16 MB, not the 2 x 64 MB V8 sizes from the heap limit (docs/operations.md).
CMD ["node", "--max-semi-space-size=16", "dist/src/index.js"]
