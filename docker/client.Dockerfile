# Pulse client image. Stages as in server.Dockerfile (read its header for why this order):
#   runtime:            what ships: Node, user `node`, the command.
#   runtime-from-host:  runtime + artifacts prepared on the host (scripts/docker-host-artifacts.sh).
#   build, artifacts:   dependencies installed in the image, dist/apps/client compiled, dev
#                       dependencies pruned.
#   production (default, last): runtime + those artifacts.
# pulse-client is node itself (exec form through env), so SIGTERM lets the load loop finish its
# replies and print its final summary. Default mode: load.
ARG NODE_VERSION=24.22.3

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
RUN ln -s /app/bin/pulse-client.js /usr/local/bin/pulse-client
USER node
ENTRYPOINT ["pulse-client"]
CMD ["load"]

FROM runtime AS runtime-from-host
# `clien[t]` matches .docker-artifacts/client when the host prepared it, nothing otherwise.
COPY package.json .docker-artifacts/clien[t] ./

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json nest-cli.json rspack.config.js ./
COPY bin ./bin
COPY apps ./apps
COPY libs ./libs
RUN node node_modules/@nestjs/cli/bin/nest.js build client

FROM build AS artifacts
RUN npm prune --omit=dev --no-audit --no-fund \
  && mkdir -p /artifacts/bin /artifacts/dist/apps \
  && cp -a package.json node_modules /artifacts/ \
  && cp -a bin/pulse-client.js /artifacts/bin/ \
  && cp -a dist/apps/client /artifacts/dist/apps/

FROM runtime AS production
COPY --from=artifacts /artifacts/ ./
