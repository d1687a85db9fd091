# Pulse server image: built in one stage, run with production dependencies only, as a non-root
# user, with node itself as PID 1 (exec form) so SIGTERM reaches the shutdown hooks.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npx nest build server

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
CMD ["node", "dist/apps/server/main.js"]
