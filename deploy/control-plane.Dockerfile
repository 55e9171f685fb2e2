# syntax=docker/dockerfile:1.7
# Conduit control plane. Build from the repository root:
#   docker build -f deploy/control-plane.Dockerfile -t conduit/control-plane:dev .
# BuildKit picks up deploy/control-plane.Dockerfile.dockerignore (an allowlist) for this build.
#
# Stages: deps (all packages, to compile) -> build (SWC, ahead of time) -> prod-deps (dependencies
# only) -> runtime (node:20-bookworm-slim, non-root, no npm cache, no sources, no dev tools).
# For reproducible builds pin the base images by digest (node:20-bookworm@sha256:...).

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
COPY apps/control-plane/src apps/control-plane/src
# Compile the app and the libraries it imports. deploy/swcrc.json mirrors what @swc-node/register
# derives from tsconfig at dev time (ES2022, CommonJS, legacy decorators + metadata, kept class
# names) and rewrites the @conduit/* path aliases to relative requires. No type check here: CI does it.
RUN ./node_modules/.bin/swc apps/control-plane/src libs -d dist \
      --config-file deploy/swcrc.json --no-swcrc \
      --ignore '**/*.spec.ts,**/jest.config.*' \
 && test -f dist/apps/control-plane/src/main.js \
 && if grep -rl 'require("@conduit/' dist; then echo 'unresolved @conduit/* alias in dist' >&2; exit 1; fi
# The web console: static files, served from dist/apps/console/dist (the control plane's default CONSOLE_DIR).
COPY apps/console/index.html apps/console/vite.config.mjs apps/console/
COPY apps/console/src apps/console/src
RUN ./node_modules/.bin/vite build --config apps/console/vite.config.mjs --outDir /app/dist/apps/console/dist --logLevel warn \
 && test -f dist/apps/console/dist/index.html

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

FROM ${NODE_RUNTIME_IMAGE} AS runtime
ARG NODE_RUNTIME_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="conduit-control-plane" \
      org.opencontainers.image.description="Conduit control plane: API, delegate registry and task queue" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${NODE_RUNTIME_IMAGE}"

# tini as PID 1: forwards signals and reaps orphaned children.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 conduit \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/conduit --no-create-home \
      --shell /usr/sbin/nologin conduit \
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/conduit

WORKDIR /app
# Code and dependencies stay owned by root: the app user can read them, not change them.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./

# CONDUIT_HOME holds admin-api-key (and, without DATABASE_URL, the embedded PGlite database): mount a
# volume there. Docker seeds a new named volume from this directory, so it starts owned by 10001.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=7420 \
    CONDUIT_HOME=/var/lib/conduit

USER 10001:10001
EXPOSE 7420

# Liveness only (/healthz): /readyz also checks PostgreSQL and the queue, and an orchestrator that
# restarts unhealthy containers should not restart this one because the database is away. Compose
# overrides it with /readyz to order start-up. The slim image has no curl; Node's fetch does it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||7420)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--enable-source-maps", "dist/apps/control-plane/src/main.js"]
