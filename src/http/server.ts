import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ErrorType, PressroomError } from '../domain/errors.js';

// The worker's HTTP server: /health, /metrics and the read API the CLI uses (only the worker's process
// may open an embedded database). It shares the process with the Temporal worker, so no request,
// however malformed, may throw outside the guarded path: one bad request line must not stop imports.

export type HealthCheck = () => Promise<void>;

/** A JSON reply, or text (Prometheus exposition format). */
export type Reply = { status: number; body: unknown; headers?: Record<string, string> } | { status: number; text: string; contentType: string };

export type RouteRequest = {
  /** The route pattern's groups, percent-decoded. */
  params: string[];
  query: URLSearchParams;
  requestId: string;
};

/** A read route: `pattern` is matched against the raw (still percent-encoded) path. */
export type Route = { method: 'GET'; pattern: RegExp; handle: (request: RouteRequest) => Promise<Reply> };

export type HttpLogger = {
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
};

export type HttpDeps = {
  checks: { temporal: HealthCheck; database: HealthCheck };
  routes?: readonly Route[];
  /** Prometheus text for /metrics; absent means /metrics is 404. */
  metrics?: () => Promise<string>;
  logger?: HttpLogger;
};

/**
 * A request the API refuses (400): names the parameter and the form expected. The client's fault, so
 * retrying the same request never helps.
 */
export class BadRequestError extends PressroomError {
  constructor(
    message: string,
    readonly parameter?: string,
    readonly expected?: string,
  ) {
    super(ErrorType.InvalidInput, message);
  }
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  // Error bodies echo parts of the request; a browser must never sniff them into HTML.
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

function send(res: ServerResponse, reply: Reply, requestId: string): void {
  if (res.headersSent || res.writableEnded) return;
  const isText = 'text' in reply;
  const text = isText ? reply.text : JSON.stringify(reply.body);
  const headers = isText
    ? { 'content-type': reply.contentType, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' }
    : { ...JSON_HEADERS, ...(reply.headers ?? {}) };
  res.writeHead(reply.status, { ...headers, 'x-request-id': requestId, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function check(fn: HealthCheck, timeoutMs: number): Promise<{ ok: true } | { ok: false; error: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

export async function health(deps: Pick<HttpDeps, 'checks'>): Promise<{ status: number; body: Record<string, unknown> }> {
  const [temporal, database] = await Promise.all([check(deps.checks.temporal, 3_000), check(deps.checks.database, 3_000)]);
  const ok = temporal.ok && database.ok;
  const unreachable = [!temporal.ok && 'temporal', !database.ok && 'database'].filter(Boolean);
  return {
    status: ok ? 200 : 503,
    body: { ok, temporal, database, ...(ok ? {} : { error: `cannot reach ${unreachable.join(' and ')}` }) },
  };
}

/**
 * Splits a request target into its raw path and query without `new URL()`, which throws on targets
 * such as `//a:99999/`. Absolute-form targets (`http://host/path`, legal in HTTP/1.1) keep only their path.
 */
export function parseTarget(target: string): { path: string; query: URLSearchParams } {
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
  if (!isWellEscaped(rawQuery.replace(/\+/g, ' '))) {
    throw new BadRequestError(
      `the query string has a malformed %-escape (expected % followed by two hex digits forming UTF-8)`,
      'query',
      '%XX escapes forming UTF-8',
    );
  }
  return { path, query: new URLSearchParams(rawQuery) };
}

function isWellEscaped(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

export function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BadRequestError(
      `the path has a malformed %-escape: ${quote(raw)} (expected % followed by two hex digits forming UTF-8)`,
      'path',
      '%XX escapes forming UTF-8',
    );
  }
}

/** Quotes a request-supplied value for an error message, shortened so an error never echoes a whole payload. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

const ALLOW = 'GET, HEAD';

type Matched = { route: Route; params: string[] } | undefined;

export function createHttpServer(deps: HttpDeps): Server {
  const logger: HttpLogger = deps.logger ?? { warn: (m, meta) => console.warn(m, meta), error: (m, meta) => console.error(m, meta) };
  const builtIn: Route[] = [
    {
      method: 'GET',
      pattern: /^\/health$/,
      async handle() {
        return health(deps);
      },
    },
    {
      method: 'GET',
      pattern: /^\/metrics$/,
      async handle() {
        if (!deps.metrics) return { status: 404, body: { error: 'metrics are not served by this process' } };
        return { status: 200, text: await deps.metrics(), contentType: 'text/plain; version=0.0.4; charset=utf-8' };
      },
    },
  ];
  const routes = [...builtIn, ...(deps.routes ?? [])];

  const respond = async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    const { path, query } = parseTarget(req.url ?? '/');
    let matched: Matched;
    for (const route of routes) {
      const match = route.pattern.exec(path);
      if (match) {
        matched = { route, params: match.slice(1).map((p) => p ?? '') };
        break;
      }
    }
    if (!matched) return send(res, { status: 404, body: { error: `no route ${req.method ?? '?'} ${truncate(path)}`, requestId } }, requestId);
    // HEAD is GET without a body (node drops the body); everything else is read-only's business to refuse.
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(
        res,
        {
          status: 405,
          body: { error: `method ${truncate(req.method ?? '?')} is not allowed on ${truncate(path)}; allowed: ${ALLOW}`, requestId },
          headers: { allow: ALLOW },
        },
        requestId,
      );
    }
    const params = matched.params.map(decodeParam);
    const reply = await matched.route.handle({ params, query, requestId });
    send(res, reply, requestId);
  };

  const fail = (req: IncomingMessage, res: ServerResponse, requestId: string, error: unknown): void => {
    if (error instanceof BadRequestError) {
      const body = {
        error: error.message,
        ...(error.parameter ? { parameter: error.parameter } : {}),
        ...(error.expected ? { expected: error.expected } : {}),
        requestId,
      };
      return send(res, { status: 400, body }, requestId);
    }
    // Internal text (SQL, stack, driver messages) goes to the log, never to the client: it names the id to look for.
    logger.error('HTTP request failed', {
      requestId,
      method: req.method,
      url: truncate(req.url ?? ''),
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    send(res, { status: 500, body: { error: 'internal error', requestId } }, requestId);
  };

  const server = createServer((req, res) => {
    const requestId = randomUUID();
    try {
      respond(req, res, requestId).catch((error: unknown) => fail(req, res, requestId, error));
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

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
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
