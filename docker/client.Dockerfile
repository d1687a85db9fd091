# Pulse client image: the load client by default (node as PID 1 so SIGTERM stops it cleanly).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npx nest build client

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/apps/client ./dist/apps/client
USER node
CMD ["node", "dist/apps/client/main.js", "load"]
