# syntax=docker/dockerfile:1
# One image for every role: `otel-ta webhook|controller|allocator|...` (the controller renders the
# allocator Deployments with this same image).

# --- build: compile TypeScript and the native re2 addon, then drop dev dependencies -------------
FROM node:20-bookworm AS build
# re2 compiles its native addon with node-gyp when no prebuilt binary matches. Build-stage tools
# only (never shipped), from the bookworm release the base tag fixes, so not pinned further.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: dist + production node_modules only ----------------------------------------------
FROM node:20-bookworm-slim
LABEL org.opencontainers.image.title="otel-ta" \
      org.opencontainers.image.description="Target Allocator for OpenTelemetry Collectors on Kubernetes" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=0:0 /app/package.json ./package.json
COPY --from=build --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /app/dist/src ./dist/src
# Files stay root-owned and read-only to the process; it runs as a numeric non-root user (so
# `runAsNonRoot` can verify it) and writes nowhere but /tmp, so readOnlyRootFilesystem works.
# The base image's package managers (npm, npx, corepack, yarn) are never run by otel-ta: removed,
# so image scans do not report their bundled dependencies and an intruder cannot install with them.
RUN chmod 0555 /app/dist/src/cli.js && ln -s /app/dist/src/cli.js /usr/local/bin/otel-ta \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
USER 65532:65532
ENTRYPOINT ["otel-ta"]
CMD ["--help"]
