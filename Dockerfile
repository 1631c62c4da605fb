# The Pressroom worker image. The worker runs the TypeScript sources through tsx, the same way
# `npx pressroom` does, so the image and a checkout run identical code.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY tsconfig.json ./
COPY pressroom.schedules.json ./
# The workflow bundle is built once here, from the sources just copied (the SDK's `production`
# sample): a worker starting from the image loads it instead of running webpack and swc at start.
RUN mkdir -p dist && node bin/pressroom.mjs bundle-workflows dist/workflow-bundle.js
ENV PRESSROOM_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s CMD node -e "fetch('http://127.0.0.1:8080/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# Set after the build steps (webpack needs more while bundling): V8 would let a busy worker's heap grow to a
# quarter of the host's memory before collecting; 384 MB keeps the worker under 500 MB resident at the same speed.
# An 8 MB semi-space (16 MB by default) for each of the worker's heaps (main, parse and workflow threads) takes
# about 60 MB off its peak at the same CPU per document (bench/workers.ts runs workers with the same flags).
ENV NODE_OPTIONS="--max-old-space-size=384 --max-semi-space-size=8"
CMD ["node", "bin/pressroom.mjs", "worker"]
