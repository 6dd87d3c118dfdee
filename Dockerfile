# syntax=docker/dockerfile:1
# One image for every app of the monorepo; the APP build argument picks which one runs
# (order-api, payment-worker, notification-worker, payment-provider). The apps run from their TypeScript sources
# through the project's swc loader (scripts/register.js), as `npm start` runs them.

FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# npm 11 runs no dependency install scripts unless approved; none is needed at run time.
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ARG APP
ENV NODE_ENV=production APP=${APP}
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json .swcrc tsconfig.json ./
COPY scripts/register.js scripts/ts-loader.js ./scripts/
COPY libs/messaging/src ./libs/messaging/src
COPY apps ./apps
USER node
CMD ["sh", "-c", "exec node --enable-source-maps --import ./scripts/register.js apps/${APP}/src/main.ts"]
