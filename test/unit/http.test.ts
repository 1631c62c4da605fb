import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readApi, type WorkflowStatusLookup } from '../../src/http/routes/index.js';
import { createHttpServer, listen, parseTarget } from '../../src/http/server.js';
import type { RunRow } from '../../src/store/imports.js';
import { rawRequest } from '../helpers/raw-http.js';

// The HTTP API against a fake store: what a hostile or careless client gets back, and what it never gets.

type Call = { method: string; args: unknown[] };

function fakeStore(options: { fail?: Error; runs?: RunRow[] } = {}) {
  const calls: Call[] = [];
  const runs = options.runs ?? [];
  const answer =
    <T>(method: string, value: T) =>
    (...args: unknown[]): Promise<T> => {
      calls.push({ method, args });
      return options.fail ? Promise.reject(options.fail) : Promise.resolve(value);
    };
  const store = {
    articles: {
      list: answer('articles.list', { total: 0, articles: [] }),
      get: answer('articles.get', undefined),
    },
    imports: {
      listRuns: answer('imports.listRuns', runs),
      countRuns: () => Promise.resolve(runs.length),
      getRun: (id: string) => {
        calls.push({ method: 'imports.getRun', args: [id] });
        return options.fail ? Promise.reject(options.fail) : Promise.resolve(runs.find((r) => r.runId === id || r.workflowId === id));
      },
      markRunEnded: (runId: string, status: string) => {
        calls.push({ method: 'imports.markRunEnded', args: [runId, status] });
        const run = runs.find((r) => r.runId === runId && r.status === 'running');
        if (run) run.status = status;
        return Promise.resolve(run !== undefined);
      },
      results: answer('imports.results', []),
      rejections: answer('imports.rejections', { total: 0, rejections: [] }),
    },
  };
  return { store: store as unknown as Parameters<typeof readApi>[0], calls };
}

const running = (runId: string): RunRow => ({
  runId,
  workflowId: `import-${runId}`,
  status: 'running',
  dryRun: false,
  total: 3,
  report: null,
  startedAt: new Date().toISOString(),
  finishedAt: null,
});

async function serve(store: Parameters<typeof readApi>[0], extra: { workflowStatus?: WorkflowStatusLookup } = {}) {
  const logged: Array<{ message: string; meta?: Record<string, unknown> }> = [];
  const logger = {
    warn: (message: string, meta?: Record<string, unknown>) => logged.push({ message, meta }),
    error: (message: string, meta?: Record<string, unknown>) => logged.push({ message, meta }),
  };
  const server = createHttpServer({
    checks: { temporal: () => Promise.resolve(), database: () => Promise.resolve() },
    routes: readApi(store, { ...extra, logger }),
    logger,
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  return { server, base: `http://127.0.0.1:${port}`, port, logged };
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

describe('request targets', () => {
  it('parses without new URL(): protocol-relative and absolute-form targets never throw', () => {
    expect(parseTarget('//a:99999/').path).toBe('//a:99999/');
    expect(parseTarget('http://a:99999/health').path).toBe('/health');
    expect(parseTarget('/imports?offset=5&limit=2').query.get('offset')).toBe('5');
    expect(() => parseTarget('*')).toThrow(/must be a path starting with \//);
    expect(() => parseTarget('/health?x=%zz')).toThrow(/malformed %-escape/);
    expect(() => parseTarget('/health?x=%FF')).toThrow(/malformed %-escape/);
  });
});

describe('the HTTP API under hostile requests', () => {
  const fake = fakeStore();
  let ctx: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    ctx = await serve(fake.store);
  });
  afterAll(() => close(ctx.server));

  const lines = [
    'GET //a:99999/ HTTP/1.1',
    'GET http://a:99999/health HTTP/1.1',
    'GET http://[::1 HTTP/1.1',
    'GET https://u:p@a:0/articles/%00 HTTP/1.1',
    'GET * HTTP/1.1',
    'OPTIONS * HTTP/1.1',
    'CONNECT a:99999 HTTP/1.1',
    'GET ?x HTTP/1.1',
    'GET /%zz HTTP/1.1',
    'GET /articles/%E0%A4%A HTTP/1.1',
    'GET /articles/%FF HTTP/1.1',
    'GET /health?%zz HTTP/1.1',
    'GET /\x00 HTTP/1.1',
    'GET / HTTP/9.9',
    'GET /health HTTP/1.1\r\nX: \x01',
    'GET /health HTTP/1.1\r\nContent-Length: -1',
    'GET /health HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3',
    `GET /${'a'.repeat(100_000)} HTTP/1.1`,
    `GET /health HTTP/1.1\r\nX-Big: ${'b'.repeat(100_000)}`,
    'garbage',
    '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
  ];

  it.each(lines.map((line) => [JSON.stringify(line).slice(0, 60), line]))(
    'answers %s with an answer or a close, never a crash or a 5xx',
    async (_label, line) => {
      const response = await rawRequest(ctx.port, `${line}\r\nHost: x\r\n\r\n`);
      // Absolute-form targets are legal HTTP/1.1: `http://a:99999/health` is /health, so 200 is right.
      if (response !== '') expect(response).toMatch(/^HTTP\/1\.1 [234]\d\d /);
      expect(response).not.toMatch(/at \w+ \(|TypeError|ERR_INVALID_URL/);
      const health = await fetch(`${ctx.base}/health`);
      expect(health.status).toBe(200);
    },
  );

  it('refuses, before hono builds a URL from them, a Host header that is no host[:port] and a path with a backslash', async () => {
    const cases: Array<[string, string]> = [
      ['GET /health HTTP/1.1\r\nHost: a:99999', 'host'],
      ['GET /health HTTP/1.1\r\nHost: [::1', 'host'],
      ['GET /health HTTP/1.1\r\nHost: a/b', 'host'],
      ['GET /a\\b HTTP/1.1\r\nHost: x', 'path'],
    ];
    for (const [head, parameter] of cases) {
      const response = await rawRequest(ctx.port, `${head}\r\n\r\n`);
      expect(response, head).toMatch(/^HTTP\/1\.1 400 /);
      expect(response, head).toMatch(/x-content-type-options: nosniff/i);
      const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { parameter: string; requestId: string };
      expect(body.parameter, head).toBe(parameter);
      expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    // An IPv6 literal with a port is a host like any other.
    expect(await rawRequest(ctx.port, 'GET /health HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('refuses ids and paging the store must never see: 400 naming the parameter and what was expected', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['/articles/%00', 'sourceId', /expected a source id matching/],
      ['/articles/..%2Fetc', 'sourceId', /expected a source id/],
      ['/articles?offset=1e20', 'offset', /expected offset as a whole number from 0 to/],
      ['/articles?offset=9223372036854775807', 'offset', /expected offset/],
      ['/articles?offset=-1', 'offset', /expected offset/],
      ['/articles?limit=abc', 'limit', /expected limit as a whole number from 1 to 1000, got "abc"/],
      ['/articles?limit=0', 'limit', /expected limit from 1 to 1000/],
      ['/articles?limit=1&limit=2', 'limit', /given more than once/],
      ['/articles?reviewState=maybe', 'reviewState', /pending, approved or rejected/],
      ['/articles?ofset=5', 'ofset', /unknown query parameter "ofset"/],
      ['/rejections?all=yes', 'all', /expected all as true or false/],
      ['/imports?offset=0x10', 'offset', /expected offset/],
      ['/imports/a%20b', 'id', /expected a workflow id or run id/],
      ['/imports/x/results?outcome=deleted', 'outcome', /created, updated, unchanged or rejected/],
      ['/articles/%E0%A4%A', 'path', /malformed %-escape/],
      ['/articles?limit=%zz', 'query', /malformed %-escape/],
    ];
    const before = fake.calls.length;
    for (const [path, parameter, message] of cases) {
      const res = await fetch(`${ctx.base}${path}`);
      const body = (await res.json()) as { error: string; parameter: string };
      expect(res.status, path).toBe(400);
      expect(body.parameter, path).toBe(parameter);
      expect(body.error, path).toMatch(message);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(fake.calls.length, 'no refused request reached the store').toBe(before);
  });

  it('answers other methods with 405 and an Allow header; HEAD is GET without a body', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await fetch(`${ctx.base}/articles`, { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const head = await fetch(`${ctx.base}/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${ctx.base}/nope`, { method: 'POST' })).status).toBe(404);
  });

  it('passes validated paging to the store, offset included (/imports used to ignore it)', async () => {
    await fetch(`${ctx.base}/imports?limit=2&offset=5`);
    expect(fake.calls.at(-1)).toEqual({ method: 'imports.listRuns', args: [2, 5] });
    await fetch(`${ctx.base}/articles?offset=7&reviewState=pending`);
    expect(fake.calls.at(-1)).toEqual({ method: 'articles.list', args: [{ limit: 100, offset: 7, reviewState: 'pending' }] });
    await fetch(`${ctx.base}/rejections?all=true&limit=3`);
    expect(fake.calls.at(-1)).toEqual({ method: 'imports.rejections', args: [{ limit: 3, offset: 0, includeResolved: true }] });
  });
});

describe('internal errors', () => {
  it('never put the internal text in the body: 500 {error, requestId}, the text logged under that id', async () => {
    const secret = 'relation "import_runs" does not exist at character 42 (password=hunter2)';
    const { store } = fakeStore({ fail: new Error(secret) });
    const ctx = await serve(store);
    try {
      const res = await fetch(`${ctx.base}/imports`);
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(text).not.toContain('relation');
      expect(text).not.toContain('hunter2');
      const body = JSON.parse(text) as { error: string; requestId: string };
      expect(body.error).toBe('internal error');
      expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('x-request-id')).toBe(body.requestId);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const entry = ctx.logged.find((l) => l.meta?.requestId === body.requestId);
      expect(entry?.meta?.error).toContain(secret);
    } finally {
      await close(ctx.server);
    }
  });
});

describe('import runs ended outside the workflow', () => {
  it('reconciles a running row whose workflow Temporal reports terminated, on GET and in the list', async () => {
    const { store, calls } = fakeStore({ runs: [running('r1'), running('r2'), running('r3')] });
    const closedAt = new Date('2026-01-02T03:04:05.000Z');
    const seen: string[] = [];
    const workflowStatus: WorkflowStatusLookup = (workflowId, runId) => {
      seen.push(`${workflowId}/${runId}`);
      if (runId === 'r1') return Promise.resolve({ state: 'terminated', closedAt });
      if (runId === 'r2') return Promise.resolve({ state: 'timed_out', closedAt });
      return Promise.resolve({ state: 'running' });
    };
    const ctx = await serve(store, { workflowStatus });
    try {
      const one = (await (await fetch(`${ctx.base}/imports/r1`)).json()) as RunRow;
      expect(one).toMatchObject({ runId: 'r1', status: 'terminated', finishedAt: closedAt.toISOString() });
      expect(seen).toEqual(['import-r1/r1']);
      expect(calls).toContainEqual({ method: 'imports.markRunEnded', args: ['r1', 'terminated'] });

      const list = (await (await fetch(`${ctx.base}/imports`)).json()) as { total: number; imports: RunRow[] };
      expect(list.total).toBe(3);
      expect(list.imports.map((r) => [r.runId, r.status])).toEqual([
        ['r1', 'terminated'],
        ['r2', 'timed_out'],
        ['r3', 'running'],
      ]);
      // A row that is no longer running is never looked up again.
      expect(seen.filter((s) => s === 'import-r1/r1')).toHaveLength(1);
    } finally {
      await close(ctx.server);
    }
  });

  it('shows the row as stored when Temporal cannot be asked, and logs why', async () => {
    const { store } = fakeStore({ runs: [running('r1')] });
    const ctx = await serve(store, { workflowStatus: () => Promise.reject(new Error('connection refused')) });
    try {
      const res = await fetch(`${ctx.base}/imports/r1`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as RunRow).status).toBe('running');
      expect(ctx.logged.some((l) => l.meta?.error === 'connection refused')).toBe(true);
    } finally {
      await close(ctx.server);
    }
  });
});
