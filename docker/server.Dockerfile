# Pulse server image.
#   build:  all dependencies, compiles dist/apps/server
#   dev:    sources mounted over /app, `nest start --watch` (docker-compose.dev.yml)
#   final:  production dependencies only, non-root, node itself as the process (exec form), so
#           SIGTERM reaches the server's shutdown hooks (compose adds `init: true` for zombies).
#           V8 flags go on this command line (see SERVER_NODE_ARGS in spawn-server.ts): V8 reads
#           them at start; set later from JavaScript they are documented as unpredictable.
# Configuration is never baked in: mount it and point PULSE_CONFIG at it.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN node node_modules/@nestjs/cli/bin/nest.js build server

FROM build AS dev
# --no-shell: the Nest CLI then runs node directly and forwards SIGTERM to it (with a shell in
# between, the signal stops at the shell and the server is killed without draining).
CMD ["node", "node_modules/@nestjs/cli/bin/nest.js", "start", "server", "--watch", "--no-shell"]

FROM node:20-bookworm-slim
ENV NODE_ENV=production PULSE_DATA_DIR=/data PULSE_HOST=0.0.0.0 PULSE_PORT=7070
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/apps/server ./dist/apps/server
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 7070
CMD ["node", "--heap-growing-percent=50", "dist/apps/server/main.js"]
