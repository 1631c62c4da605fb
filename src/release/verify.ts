import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ErrorType, PressroomError } from '../domain/errors.js';
import type { Timings } from '../domain/release/model.js';

// After a pointer move, the environment must serve what its release holds: each changed route 200,
// showing its title, under the ETag of the new content (which also proves the cache was purged when
// the base URL is the cache's). Every response is timed for the release report.

export type RouteExpectation = {
  /** The encoded path, e.g. /staging/articles/hello-world. */
  path: string;
  /** Must appear in the body, HTML-escaped or as a JSON string. */
  title?: string;
  /** The exact ETag header expected, quotes included. */
  etag?: string;
  /** Sent as Accept (default: none, which the read API answers with JSON). */
  accept?: string;
};

export type VerifyOptions = {
  baseUrl: string;
  routes: readonly RouteExpectation[];
  /** Requests in flight at once (default 32). */
  concurrency?: number;
  /** One request's time limit (default 5 s). */
  timeoutMs?: number;
  /** Stop starting requests after this many failures (default 20): a dead server must not cost 5,000 timeouts. */
  maxFailures?: number;
};

export type RouteFailure = { path: string; status: number | null; reason: string };

/** An environment did not serve what its release holds. Retryable a few times (a purge may lag); then the release compensates. */
export class VerificationFailedError extends PressroomError {
  constructor(
    message: string,
    readonly failures: RouteFailure[],
  ) {
    super(ErrorType.VerificationFailed, message);
  }
}

const SHOWN_FAILURES = 5;

/** The forms a title takes in a page: HTML with the usual escapes (servers differ on quotes), or a JSON string. */
export function titleForms(title: string): string[] {
  const base = title.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const quoted = base.replaceAll('"', '&quot;');
  return [...new Set([base, quoted, quoted.replaceAll("'", '&#39;'), quoted.replaceAll("'", '&#x27;'), JSON.stringify(title)])];
}

/** The nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

type Fetched = { status: number; headers: IncomingHttpHeaders; body: string };

/**
 * One GET over a keep-alive agent. node:http rather than global fetch: on 5,000 routes it takes about
 * half the time (fetch's per-request overhead dominates against a local cache).
 */
function get(url: URL, agent: HttpAgent, accept: string | undefined, timeoutMs: number): Promise<Fetched> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { agent, headers: accept ? { accept } : {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Fetches every route and checks it; resolves with the response times, or throws VerificationFailedError naming the first failures. */
export async function verifyRoutes(options: VerifyOptions): Promise<Timings> {
  const { routes } = options;
  const concurrency = options.concurrency ?? 32;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxFailures = options.maxFailures ?? 20;
  const origin = new URL(options.baseUrl);
  const prefix = origin.href.replace(/\/$/, '');
  const agent =
    origin.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: concurrency }) : new HttpAgent({ keepAlive: true, maxSockets: concurrency });
  const durations: number[] = [];
  const failures: RouteFailure[] = [];
  let next = 0;

  async function check(route: RouteExpectation): Promise<void> {
    const started = performance.now();
    let status: number | null = null;
    try {
      const response = await get(new URL(`${prefix}${route.path}`), agent, route.accept, timeoutMs);
      status = response.status;
      durations.push(performance.now() - started);
      if (response.status !== 200) {
        failures.push({ path: route.path, status, reason: `answered ${response.status}, expected 200` });
        return;
      }
      const etag = response.headers.etag;
      if (route.etag !== undefined && etag !== route.etag) {
        failures.push({ path: route.path, status, reason: `ETag ${etag ?? '(none)'}, expected ${route.etag}` });
        return;
      }
      if (route.title !== undefined && !titleForms(route.title).some((form) => response.body.includes(form))) {
        failures.push({ path: route.path, status, reason: `the body does not show the title ${JSON.stringify(route.title)}` });
      }
    } catch (error) {
      failures.push({ path: route.path, status, reason: error instanceof Error ? error.message : String(error) });
    }
  }

  const lane = async () => {
    while (failures.length < maxFailures && next < routes.length) await check(routes[next++]!);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, routes.length) }, lane));
  } finally {
    agent.destroy();
  }

  if (failures.length > 0) {
    const stopped = next < routes.length ? ` (stopped after ${failures.length} failures; ${routes.length - next} routes not checked)` : '';
    const shown = failures
      .slice(0, SHOWN_FAILURES)
      .map((f) => `${f.path}: ${f.reason}`)
      .join('; ');
    const more = failures.length > SHOWN_FAILURES ? `; and ${failures.length - SHOWN_FAILURES} more` : '';
    throw new VerificationFailedError(
      `${failures.length} of ${routes.length} routes at ${prefix} did not serve the release${stopped}: ${shown}${more}. ` +
        'Retryable a few times (a purge or a replica may lag); a persistent failure means the environment serves something else.',
      failures,
    );
  }
  const sorted = [...durations].sort((a, b) => a - b);
  return { requests: durations.length, p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), max: round(sorted.at(-1) ?? 0) };
}
