import { ErrorType, PressroomError } from '../domain/errors.js';
import type { PurgeReport } from '../domain/release/model.js';

// A release purges exactly the routes it changed, never the whole cache. The target names the same
// routes twice: by surrogate key (what xkey, Fastly and the like purge) and by path (for caches that
// purge one URL at a time). Each purger uses the form its cache understands.

export type PurgeTarget = { keys: string[]; paths: string[] };

export type CachePurger = { purge(target: PurgeTarget): Promise<PurgeReport> };

export type PurgeLog = {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
};

export type HttpPurgerOptions = {
  /** The cache's base URL (CACHE_PURGE_URL), e.g. http://127.0.0.1:6081. */
  url: string;
  /** xkey: `PURGE /` with an `xkey-purge: k1 k2 …` header per chunk of keys; url: one `PURGE /path` per path. */
  mode: 'xkey' | 'url';
  /**
   * Upper bound on one xkey-purge header value. Varnish refuses a request header line longer than
   * http_req_hdr_len (8 KB by default); half of it leaves room for proxies in between.
   */
  maxHeaderBytes?: number;
  /** Purge requests in flight at once. */
  concurrency?: number;
  /** Tries per request before the purge fails. */
  attempts?: number;
  /** The first retry's delay; each further retry doubles it. */
  backoffMs?: number;
  /** One request's time limit. */
  timeoutMs?: number;
  log?: PurgeLog;
};

/** The cache refused or failed a purge. Retryable: purges are idempotent, and caches come back. */
export class PurgeFailedError extends PressroomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorType.PurgeFailed, message, options);
  }
}

/** A purge target that can never be sent (a key with spaces, a path without its leading slash). Not retryable. */
export class InvalidPurgeTargetError extends PressroomError {
  constructor(message: string) {
    super(ErrorType.InvalidInput, message);
  }
}

const DEFAULTS = { maxHeaderBytes: 4_000, concurrency: 16, attempts: 4, backoffMs: 100, timeoutMs: 5_000 };

/** When no cache is configured: nothing to purge, said once in the log. */
export function createNoopPurger(log: Pick<PurgeLog, 'info'>): CachePurger {
  return {
    purge(target) {
      log.info('no cache configured (CACHE_PURGE_URL unset): skipping the purge', { keys: target.keys.length, paths: target.paths.length });
      return Promise.resolve({ keys: 0, urls: 0, requests: 0, skipped: true });
    },
  };
}

/** Splits keys into space-separated header values of at most maxBytes each (keys are ASCII-checked first). */
export function chunkKeys(keys: readonly string[], maxBytes: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const key of keys) {
    if (key.length > maxBytes) {
      throw new InvalidPurgeTargetError(`surrogate key of ${key.length} bytes exceeds the purge header limit of ${maxBytes} bytes: ${key.slice(0, 60)}…`);
    }
    if (current === '') current = key;
    else if (current.length + 1 + key.length <= maxBytes) current += ` ${key}`;
    else {
      chunks.push(current);
      current = key;
    }
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

function validate(target: PurgeTarget): { keys: string[]; paths: string[] } {
  const keys = [...new Set(target.keys)];
  const paths = [...new Set(target.paths)];
  // A header value is visible ASCII; xkey splits keys on spaces and commas, so neither may be inside one.
  const badKey = keys.find((key) => !/^[\x21-\x2b\x2d-\x7e]+$/.test(key));
  if (badKey !== undefined) {
    throw new InvalidPurgeTargetError(
      `surrogate key ${JSON.stringify(badKey)} is not a purgeable key: expected visible ASCII without spaces or commas, for example staging:index`,
    );
  }
  // `//host/x` would name another host once resolved; paths are sent as they are, after the cache's origin.
  const badPath = paths.find((path) => !/^\/(?!\/)[\x21-\x7e]*$/.test(path));
  if (badPath !== undefined) {
    throw new InvalidPurgeTargetError(
      `path ${JSON.stringify(badPath)} is not a purgeable URL path: expected an encoded path starting with /, for example /staging/articles/hello`,
    );
  }
  return { keys, paths };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs task over items with at most `limit` in flight; stops starting new ones after the first failure. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const errors: unknown[] = [];
  const lane = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (error) {
        failed = true;
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (errors.length > 0) throw errors[0];
}

/** A purger for an HTTP cache that accepts PURGE (Varnish with pressroom.vcl, or anything speaking the same). */
export function createHttpPurger(options: HttpPurgerOptions): CachePurger {
  const { maxHeaderBytes, concurrency, attempts, backoffMs, timeoutMs } = { ...DEFAULTS, ...stripUndefined(options) };
  const base = new URL(options.url);
  const log = options.log;

  async function send(url: URL, headers: Record<string, string>, what: string): Promise<void> {
    let last = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let retry = true;
      try {
        const response = await fetch(url, { method: 'PURGE', headers, signal: AbortSignal.timeout(timeoutMs) });
        // Drain the body so the keep-alive connection goes back to the pool.
        await response.arrayBuffer();
        if (response.ok) return;
        last = `HTTP ${response.status} ${response.statusText}`.trim();
        // A refusal (403: this host is not in the cache's purge ACL; 405: no PURGE support) stays a refusal.
        retry = response.status >= 500 || response.status === 408 || response.status === 429;
      } catch (error) {
        last = error instanceof Error ? `${error.name}: ${error.message}${causeOf(error)}` : String(error);
      }
      if (!retry || attempt === attempts) break;
      const delay = backoffMs * 2 ** (attempt - 1);
      log?.warn(`cache purge of ${what} failed (${last}); retrying in ${delay} ms`, { attempt, url: url.href });
      await sleep(delay + Math.floor(Math.random() * backoffMs));
    }
    throw new PurgeFailedError(
      `the cache at ${base.origin} did not purge ${what} after ${attempts} attempt(s): ${last}. ` +
        'Retryable: a purge is idempotent, retry once the cache answers (a 403 means its purge ACL does not admit this host).',
    );
  }

  return {
    async purge(target) {
      const { keys, paths } = validate(target);
      if (options.mode === 'xkey') {
        const chunks = chunkKeys(keys, maxHeaderBytes);
        const url = new URL(`${base.origin}/`);
        await eachLimited(chunks, concurrency, (chunk) =>
          send(url, { 'xkey-purge': chunk }, `${chunk.split(' ').length} surrogate key(s) starting ${chunk.split(' ')[0]}`),
        );
        log?.info('purged the cache by surrogate key', { keys: keys.length, requests: chunks.length });
        return { keys: keys.length, urls: 0, requests: chunks.length, skipped: false };
      }
      await eachLimited(paths, concurrency, (path) => send(new URL(`${base.origin}${path}`), {}, path));
      log?.info('purged the cache by URL', { urls: paths.length, requests: paths.length });
      return { keys: 0, urls: paths.length, requests: paths.length, skipped: false };
    },
  };
}

/** The purger the configuration asks for (Config['cache']): HTTP when CACHE_PURGE_URL is set, the logged no-op otherwise. */
export function createCachePurger(cache: { purgeUrl?: string | undefined; purgeMode: 'xkey' | 'url' }, log: PurgeLog): CachePurger {
  return cache.purgeUrl === undefined ? createNoopPurger(log) : createHttpPurger({ url: cache.purgeUrl, mode: cache.purgeMode, log });
}

function causeOf(error: Error): string {
  const cause = error.cause;
  return cause instanceof Error ? ` (${cause.message})` : '';
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
