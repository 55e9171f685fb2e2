# syntax=docker/dockerfile:1.7
# Conduit delegate: the agent that dials out to the control plane over WebSocket. Build from the
# repository root:
#   docker build -f deploy/delegate.Dockerfile -t conduit/delegate:dev .
# BuildKit picks up deploy/delegate.Dockerfile.dockerignore (an allowlist) for this build.
#
# Stages as in control-plane.Dockerfile (deps and prod-deps are written identically, so a builder
# that builds both images reuses those layers), plus a "slim" stage that keeps only the packages the
# delegate's compiled code actually reaches (deploy/scripts/copy-runtime-deps.mjs): ~20 packages
# instead of the control plane's ~230.

ARG NODE_BUILD_IMAGE=node:20-bookworm
ARG NODE_RUNTIME_IMAGE=node:20-bookworm-slim

FROM ${NODE_BUILD_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: nothing the compile step needs runs at install time (@swc/core ships its binary as
# a per-platform package), and it keeps npm 10 (in node:20) from running scripts that package.json's
# allowScripts denies (npm 11 honours that list, npm 10 ignores it).
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS build
COPY tsconfig.base.json tsconfig.json ./
COPY deploy/swcrc.json deploy/swcrc.json
COPY libs libs
COPY apps/delegate/src apps/delegate/src
# See control-plane.Dockerfile: same SWC settings as @swc-node/register uses at dev time, aliases
# rewritten to relative requires, no type check (CI does it).
RUN ./node_modules/.bin/swc apps/delegate/src libs -d dist \
      --config-file deploy/swcrc.json --no-swcrc \
      --ignore '**/*.spec.ts,**/jest.config.*' \
 && test -f dist/apps/delegate/src/main.js \
 && if grep -rl 'require("@conduit/' dist; then echo 'unresolved @conduit/* alias in dist' >&2; exit 1; fi

FROM ${NODE_BUILD_IMAGE} AS prod-deps
WORKDIR /app
# node-gyp uses the headers that ship in the node image instead of downloading them.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
# Production dependencies only. Install scripts are skipped, then run for the packages package.json's
# allowScripts approves that have one in production: ssh2's optional native crypto and cpu-features
# (compiled with this image's toolchain; ssh2 falls back to pure JS if that fails) and
# msgpackr-extract (a prebuilt binary is used when present).
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && (npm rebuild ssh2 cpu-features msgpackr-extract \
     || echo 'warning: optional native modules not built; ssh2 uses its JavaScript fallback')

FROM ${NODE_BUILD_IMAGE} AS slim
WORKDIR /app
COPY package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY deploy/scripts/copy-runtime-deps.mjs /tmp/copy-runtime-deps.mjs
RUN node /tmp/copy-runtime-deps.mjs dist/apps/delegate/src/main.js /app /out \
 && cp -r dist /out/dist

FROM ${NODE_RUNTIME_IMAGE} AS runtime
ARG NODE_RUNTIME_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="conduit-delegate" \
      org.opencontainers.image.description="Conduit delegate: runs tasks in a private network, connecting out to the control plane" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${NODE_RUNTIME_IMAGE}"

# tini as PID 1: forwards signals and reaps orphaned children (the delegate will run task processes).
# Same uid/gid (10001) as the control plane image: docker-compose.yml relies on it to let the delegate
# read the token file (mode 0600) that the control plane writes into a shared volume.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 conduit \
 && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/conduit \
      --shell /usr/sbin/nologin conduit

WORKDIR /app
# Code and dependencies stay owned by root: the app user can read them, not change them.
COPY --from=slim /out/node_modules ./node_modules
COPY --from=slim /out/dist ./dist
COPY package.json ./

# DELEGATE_HEALTH_PORT turns on /healthz and /metrics, for the HEALTHCHECK below. The server binds
# 127.0.0.1 only (apps/delegate/src/health-server.ts), so nothing is EXPOSEd: the delegate accepts
# no inbound connections. Set DELEGATE_HEALTH_PORT to an empty string to turn the server off (and the
# health check with it).
ENV NODE_ENV=production \
    DELEGATE_HEALTH_PORT=7421

USER 10001:10001

# Healthy = connected to the control plane (the health server answers 503 while reconnecting).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.DELEGATE_HEALTH_PORT||7421)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--enable-source-maps", "dist/apps/delegate/src/main.js"]
