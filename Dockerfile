# syntax=docker/dockerfile:1

# --- build: full dependencies; src/main.ts and what it imports compiled to dist/ (tsconfig.build.json),
# so the simulator and the sandbox never reach the image; `npm run build` copies the SSM scripts
# (src/restore/scripts/*.sh, read when the bot starts) beside them
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies only, non-root
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The sandbox's simulator enforces the bot's own IAM policy on every call (src/sim/iam.ts).
COPY deploy/iam-policy.json ./deploy/iam-policy.json
# Sessions and locks live in CHATDB_STATE_DIR; mount a volume here so they survive restarts.
RUN mkdir -p /app/data && chown node:node /app/data
ENV CHATDB_STATE_DIR=/app/data
USER node
EXPOSE 3000
# slim has no curl: Node's own fetch probes /healthz (served in HTTP and in Socket Mode).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
