# The receiver as a container: Node 20 on Debian slim, production dependencies only, running as the image's
# unprivileged `node` user. There is no build step: tsx (a production dependency) compiles the TypeScript sources
# as they load, exactly as `npm start` does. Node runs as PID 1 itself (no npm or shell in between), so the SIGTERM
# of `docker stop` reaches its handler (receiver/shutdown.ts: done within SHUTDOWN_TIMEOUT + 1.5 s, under Docker's
# default 10 s).

FROM node:20-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# --workspaces=false: the HubSpot app's folders (src/app/*) are built by HubSpot, not run here.
RUN npm ci --omit=dev --ignore-scripts --workspaces=false --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_FILE=/data/pretix-hubspot.json
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY receiver ./receiver
# Only used without DATABASE_URL (the lowdb file); mount a volume here for a single instance.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# What `npm start` runs, without npm in between.
CMD ["node", "--max-old-space-size=128", "--import", "tsx", "receiver/main.ts"]
