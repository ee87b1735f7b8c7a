# syntax=docker/dockerfile:1
# One image for every polybot process; the command picks the role (sim, ingestor, strategy, executor).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund \
 && npx turbo run build --output-logs=errors-only \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf apps/*/src packages/*/src apps/*/test packages/*/test .turbo

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/packages ./packages
COPY --from=build --chown=node:node /app/apps ./apps
USER node
ENTRYPOINT ["node", "apps/cli/dist/main.js"]
CMD ["--help"]
