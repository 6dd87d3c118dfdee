# syntax=docker/dockerfile:1
# One image for every app of the monorepo; the APP build argument picks which one runs (order-api, payment-worker,
# notification-worker, payment-provider, or a worker made by npm run new:worker). TypeScript is compiled once, in
# the build stage; the runtime stage holds the compiled JavaScript and the production dependencies only (no
# compiler, no swc loader use, no embedded PostgreSQL: that is a devDependency).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm 11 runs no dependency install scripts unless approved; none is needed to build or run.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY libs/messaging/src ./libs/messaging/src
COPY libs/contracts ./libs/contracts
COPY apps ./apps
RUN npm run build
# The apps import the libraries as @app/messaging and @app/contracts (tsconfig paths, which tsc does not rewrite):
# make the compiled libraries those packages.
COPY docker/messaging-package.json ./dist/libs/messaging/package.json
COPY docker/contracts-package.json ./dist/libs/contracts/package.json
RUN npm prune --omit=dev --no-audit --no-fund \
 && mkdir -p node_modules/@app \
 && ln -s ../../dist/libs/messaging node_modules/@app/messaging \
 && ln -s ../../dist/libs/contracts node_modules/@app/contracts

FROM node:24-bookworm-slim AS runtime
ARG APP
ENV NODE_ENV=production APP=${APP}
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
CMD ["sh", "-c", "exec node --enable-source-maps dist/apps/${APP}/src/main.js"]
