# Pulse client image: production dependencies only, non-root, node as the process (exec form) so
# SIGTERM lets the load loop finish its replies and print its final summary. Default mode: load.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN node node_modules/@nestjs/cli/bin/nest.js build client

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/apps/client ./dist/apps/client
USER node
ENTRYPOINT ["node", "dist/apps/client/main.js"]
CMD ["load"]
