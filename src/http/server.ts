import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import { Hono } from 'hono';
import { baseHeaders, JSON_TYPE, sendJson, type AppContext, type AppEnv, type HttpLogger } from './context.js';
import { assertWellEscaped, BadRequestError, quote, truncate } from './errors.js';
import { healthRoutes, type HealthChecks } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';

// The worker's HTTP server: /health, /metrics, the read API the CLI uses (only the worker's process
// may open an embedded database) and the public site. Routing is hono's; in front of it sits a
// plain node:http listener, because the server shares its process with the Temporal worker: no
// request, however malformed, may throw outside the guarded path, and hono's node adapter builds a
// URL from the request target and Host header, which a hostile client controls. The listener vets
// both first, so every weird target is a 400 here and never an exception there.

export type { HttpLogger } from './context.js';
export type { HealthCheck } from './routes/health.js';
export { health } from './routes/health.js';
export { BadRequestError, quote } from './errors.js';

export type HttpDeps = {
  checks: HealthChecks;
  /** Route modules mounted after /health and /metrics (routes/index.ts `readApi` builds the read API's). */
  routes?: ReadonlyArray<Hono<AppEnv>>;
  /** Prometheus text for /metrics; absent means /metrics is 404. */
  metrics?: () => Promise<string>;
  logger?: HttpLogger;
};

const ALLOW = 'GET, HEAD';

/** The request id the front listener gave each request, for hono's handlers and the error log to share. */
const requestIds = new WeakMap<IncomingMessage, string>();

/**
 * Splits a request target into its raw path and query without `new URL()`, which throws on targets
 * such as `//a:99999/`. Absolute-form targets (`http://host/path`, legal in HTTP/1.1) keep only their
 * path. `originForm` is the path and query, what the router is handed.
 */
export function parseTarget(target: string): { path: string; query: URLSearchParams; originForm: string } {
  const withoutScheme = /^https?:\/\/[^/?#]*/i.exec(target);
  const rest = withoutScheme ? target.slice(withoutScheme[0].length) || '/' : target;
  if (!rest.startsWith('/'))
    throw new BadRequestError(`the request target must be a path starting with /, got ${quote(target)}`, 'path', 'a path starting with /');
  const hash = rest.indexOf('#');
  const noFragment = hash === -1 ? rest : rest.slice(0, hash);
  const mark = noFragment.indexOf('?');
  const path = mark === -1 ? noFragment : noFragment.slice(0, mark);
  const rawQuery = mark === -1 ? '' : noFragment.slice(mark + 1);
  // URLSearchParams would keep a broken escape verbatim and pass it on; refuse it here instead.
  assertWellEscaped(rawQuery, 'query');
  return { path, query: new URLSearchParams(rawQuery), originForm: noFragment };
}

const HOST = /^(?:[a-z0-9._-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i;

/** A Host header the router may build a URL from (and the sitemap an origin): a name or an IP literal, and a port that exists. */
export function assertHost(host: string | undefined): void {
  if (host === undefined) return;
  const match = HOST.exec(host);
  if (!match || (match[1] !== undefined && Number(match[1]) > 65_535)) {
    throw new BadRequestError(`the Host header must be host[:port], got ${quote(host)}`, 'host', 'host[:port]');
  }
}

/** The still percent-encoded path of a request URL (`http://host/path?query`). */
function rawPathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start === -1) return '/';
  const end = url.indexOf('?', start);
  return url.slice(start, end === -1 ? undefined : end);
}

function badRequestBody(error: BadRequestError, requestId: string) {
  return {
    error: error.message,
    ...(error.parameter ? { parameter: error.parameter } : {}),
    ...(error.expected ? { expected: error.expected } : {}),
    requestId,
  };
}

const consoleLogger: HttpLogger = { warn: (m, meta) => console.warn(m, meta), error: (m, meta) => console.error(m, meta) };

/** The hono app alone: routes, 400/404/405/500 answers, request ids. createHttpServer puts the hardened listener in front. */
export function createApp(deps: HttpDeps): Hono<AppEnv> {
  const logger = deps.logger ?? consoleLogger;
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    const incoming = c.env?.incoming;
    c.set('requestId', (incoming && requestIds.get(incoming)) ?? randomUUID());
    assertWellEscaped(rawPathOf(c.req.url), 'path');
    await next();
  });

  for (const routes of [healthRoutes(deps.checks), metricsRoutes(deps.metrics), ...(deps.routes ?? [])]) app.route('/', routes);

  // Every route is read-only: a known path asked with another method is 405 naming what it allows
  // (HEAD is GET without a body, which hono does by itself). Registered last, so GET finds its route first.
  const paths = new Set(app.routes.filter((r) => r.method === 'GET').map((r) => r.path));
  for (const path of paths) {
    app.all(path, (c) =>
      sendJson(
        c,
        405,
        { error: `method ${truncate(c.req.method)} is not allowed on ${truncate(rawPathOf(c.req.url))}; allowed: ${ALLOW}`, requestId: c.get('requestId') },
        { allow: ALLOW },
      ),
    );
  }

  app.notFound((c) => sendJson(c, 404, { error: `no route ${truncate(c.req.method)} ${truncate(rawPathOf(c.req.url))}`, requestId: c.get('requestId') }));

  app.onError((error, c: AppContext) => {
    const requestId = (c.get('requestId') as string | undefined) ?? randomUUID();
    if (error instanceof BadRequestError) return sendJson(c, 400, badRequestBody(error, requestId));
    // Internal text (SQL, stack, driver messages) goes to the log, never to the client: it names the id to look for.
    logger.error('HTTP request failed', { requestId, method: c.req.method, url: truncate(c.req.url), error: error.stack ?? error.message });
    return sendJson(c, 500, { error: 'internal error', requestId });
  });
  return app;
}

export function createHttpServer(deps: HttpDeps): Server {
  const logger = deps.logger ?? consoleLogger;
  const app = createApp({ ...deps, logger });

  /** Answers without hono: for what the front refuses, or the rare failure that escapes hono itself. */
  const fail = (req: IncomingMessage, res: ServerResponse, requestId: string, error: unknown): void => {
    let status = 400;
    let body: Record<string, unknown>;
    if (error instanceof BadRequestError) body = badRequestBody(error, requestId);
    else {
      status = 500;
      body = { error: 'internal error', requestId };
      logger.error('HTTP request failed', {
        requestId,
        method: req.method,
        url: truncate(req.url ?? ''),
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
    if (res.headersSent || res.writableEnded) {
      res.destroy();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...baseHeaders(requestId), 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const listener = getRequestListener(app.fetch, {
    // The worker's process has other fetch users: hono's lighter Request/Response stay out of the globals.
    overrideGlobalObjects: false,
    hostname: 'localhost',
    // Reached only if the adapter cannot build a Request the front let through (a 400 all the same), or
    // if something fails outside hono's own error handling: then, as everywhere, the text goes only to the log.
    errorHandler: (error) => {
      const requestId = randomUUID();
      const known = error instanceof RequestError;
      if (!known)
        logger.error('HTTP request failed outside the router', { requestId, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      const body = known ? { error: `malformed request (${truncate(error.message)})`, requestId } : { error: 'internal error', requestId };
      return new Response(JSON.stringify(body), {
        status: known ? 400 : 500,
        headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...baseHeaders(requestId) },
      });
    },
  });

  const server = createServer((req, res) => {
    const requestId = randomUUID();
    try {
      const target = parseTarget(req.url ?? '/');
      assertWellEscaped(target.path, 'path');
      // URL parsing turns `\` into `/`, so a path holding one would be routed as another path.
      if (target.path.includes('\\')) throw new BadRequestError(`the path must not hold a backslash, got ${quote(target.path)}`, 'path', 'a path without \\');
      assertHost(req.headers.host);
      req.url = target.originForm;
      requestIds.set(req, requestId);
      listener(req, res).catch((error: unknown) => fail(req, res, requestId, error));
    } catch (error) {
      fail(req, res, requestId, error);
    }
  });

  // A request line or header node's parser rejects never reaches the handler: answer it and close.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout']
          : [400, 'Bad Request'];
    const body = JSON.stringify({ error: `malformed HTTP request (${error.code ?? 'parse error'})` });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\nx-content-type-options: nosniff\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  // A client that trickles its headers must not hold a socket for node's 60 s default.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return server;
}

export async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
