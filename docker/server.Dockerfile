# Pulse server image. Stages, in the order the legacy builder needs (it builds every stage up to
# the target, so the stages that read only host files come before the ones that run npm install):
#   runtime:             what ships: Node, user `node`, /data volume, port, command (the health
#                        check is docker-compose.yml's, `node /app/bin/pulse-healthcheck.js`, so
#                        the dev target has it too).
#   runtime-from-host:   runtime + artifacts prepared on the host (scripts/docker-host-artifacts.sh:
#                        dist/ and a production-only node_modules); how the tests build it offline.
#   dev-base:            the dev target's user, directories and command.
#   dev-from-host:       dev-base + the host's sources and full node_modules (tests, offline).
#   build:               all dependencies installed in the image, compiles dist/apps/server
#                        (the server and its web dashboard).
#   dev:                 dev-base + the build stage's node_modules and the sources;
#                        `nest start --watch` on sources mounted over them (docker-compose.dev.yml).
#   artifacts:           the build stage with dev dependencies pruned, the runtime layout gathered.
#   production (default, last): runtime + those artifacts.
# Both runtime targets copy the same layout into /app: package.json, bin/, dist/apps/server,
# node_modules. Configuration is never baked in: mount it and point PULSE_CONFIG at it.
ARG NODE_VERSION=24.22.3

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# Host, port and data directory are the image's side of the contract (docker-compose.yml maps
# them); every other setting comes from the mounted configuration file.
ENV NODE_ENV=production PULSE_DATA_DIR=/data PULSE_HOST=0.0.0.0 PULSE_PORT=7070
WORKDIR /app
RUN mkdir -p /data && chown node:node /data && ln -s /app/bin/pulse-server.js /usr/local/bin/pulse-server
VOLUME ["/data"]
EXPOSE 7070
USER node
# node itself is the process (exec form; pulse-server is node with its V8 flags, see
# bin/pulse-server.js), so SIGTERM reaches the shutdown hooks; compose adds `init: true`.
CMD ["pulse-server"]

FROM runtime AS runtime-from-host
# package.json is always in the context; `serve[r]` matches .docker-artifacts/server when the host
# prepared it and nothing otherwise, so a user's build (which builds this stage too with the
# legacy builder) never fails on it.
COPY package.json .docker-artifacts/serve[r] ./

FROM node:${NODE_VERSION}-bookworm-slim AS dev-base
WORKDIR /app
# The dev server runs as `node` like the production one, so what it leaves on a volume is usable
# by either; it writes its build to /app/dist.
RUN mkdir -p /data /app/dist && chown node:node /data /app /app/dist
VOLUME ["/data"]
EXPOSE 7070
ENV PULSE_DATA_DIR=/data PULSE_HOST=0.0.0.0 PULSE_PORT=7070
USER node
# --no-shell: the Nest CLI then runs node directly and forwards SIGTERM to it (with a shell in
# between, the signal stops at the shell and the server is killed without draining).
CMD ["node", "node_modules/@nestjs/cli/bin/nest.js", "start", "server", "--watch", "--no-shell"]

FROM dev-base AS dev-from-host
COPY package.json .docker-artifacts/de[v] ./
# The dashboard, built once (the watch rebuilds the server only; nest keeps what else is in
# dist/apps/server). `[ -d ]`: a user's build of another target builds this stage with no
# artifacts, and must not fail here.
RUN if [ -d node_modules/vite ]; then node node_modules/vite/bin/vite.js build --configLoader runner --config apps/dashboard/vite.config.mts; fi

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json nest-cli.json rspack.config.js ./
COPY bin ./bin
COPY apps ./apps
COPY libs ./libs
# The server, then the web dashboard (Vite) into dist/apps/server/dashboard, which the server
# serves at `/`: the same two steps as `npm run build:server`.
RUN node node_modules/@nestjs/cli/bin/nest.js build server \
  && node node_modules/vite/bin/vite.js build --config apps/dashboard/vite.config.mts

FROM dev-base AS dev
COPY --from=build /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json nest-cli.json rspack.config.js ./
COPY bin ./bin
COPY apps ./apps
COPY libs ./libs
COPY --from=build /app/dist/apps/server/dashboard ./dist/apps/server/dashboard

FROM build AS artifacts
RUN npm prune --omit=dev --no-audit --no-fund \
  && mkdir -p /artifacts/bin /artifacts/dist/apps \
  && cp -a package.json node_modules /artifacts/ \
  && cp -a bin/pulse-server.js bin/pulse-healthcheck.js /artifacts/bin/ \
  && cp -a dist/apps/server /artifacts/dist/apps/

FROM runtime AS production
COPY --from=artifacts /artifacts/ ./
