// The list commands against a stand-in for the worker's HTTP API: --json is one document
// {"total", "items"}, the human form a table; the request carries the flags as query parameters.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './capture.js';

const article = (n: number) => ({
  sourceId: `alphanode-00000${n}`,
  slug: `a-${n}`,
  title: `Title ${n}`,
  currentRevision: 1,
  contentHash: 'ab'.repeat(32),
  reviewState: 'pending',
  updatedAt: '2026-01-01T00:00:00Z',
});
const rejection = {
  id: 1,
  path: '/src/bad.txt',
  line: 0,
  sourceId: null,
  sha256: 'cd'.repeat(32),
  size: 10,
  errors: [{ field: 'meta.viewCount', message: 'expected a whole number >= 0, got "12k"' }],
  firstRunId: 'r',
  lastRunId: 'r',
  lastSeenAt: 'x',
  resolvedAt: null,
  resolvedByRun: null,
  hasRaw: true,
};
const report = {
  importRunId: 'run-1',
  workflowId: 'import-abc',
  status: 'completed',
  dryRun: false,
  total: 3,
  counts: { files: 3, documents: 3, created: 2, updated: 0, unchanged: 0, rejected: 1 },
  startedAt: 'a',
  finishedAt: 'b',
  runs: 1,
};
const run = {
  runId: 'run-1',
  workflowId: 'import-abc',
  status: 'completed',
  dryRun: false,
  total: 3,
  report,
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: '2026-01-01T00:00:01Z',
};

let server: Server;
let env: NodeJS.ProcessEnv;
const requests: string[] = [];
let importsWithTotal = true;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    const body =
      url.pathname === '/articles'
        ? { total: 250, articles: [article(1), article(2)] }
        : url.pathname === '/rejections'
          ? { total: 1, rejections: [rejection] }
          : url.pathname === '/imports'
            ? importsWithTotal
              ? { total: 7, imports: [run] }
              : { imports: [run] }
            : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: `no article with source id "${url.pathname.split('/').pop()}"` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  env = { ...process.env, PRESSROOM_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('list commands', () => {
  it('articles list --json prints ONE document with the total and the items', async () => {
    const result = await runCli(['articles', 'list', '--json', '--limit', '2', '--offset', '5', '--review-state', 'pending'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toEqual({ total: 250, items: [article(1), article(2)] });
    expect(requests.at(-1)).toBe('/articles?limit=2&offset=5&reviewState=pending');
  });

  it('articles list prints a table with the total', async () => {
    const result = await runCli(['articles', 'list'], env);
    expect(result.stdout).toMatch(/^250 article\(s\), showing 2 from offset 0\nalphanode-000001 {2}r1 {2}pending {2}Title 1\n/);
  });

  it('rejections --json prints ONE document', async () => {
    const result = await runCli(['rejections', '--json', '--all'], env);
    expect(JSON.parse(result.stdout)).toEqual({ total: 1, items: [rejection] });
    expect(requests.at(-1)).toBe('/rejections?limit=1000&offset=0&all=true');
  });

  it('imports lists the runs over GET /imports, --json as ONE document', async () => {
    const json = await runCli(['imports', '--json', '--offset', '3'], env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ total: 7, items: [run] });
    expect(requests.at(-1)).toBe('/imports?limit=20&offset=3');
    const table = await runCli(['imports'], env);
    expect(table.stdout).toMatch(
      /^7 import run\(s\), showing 1 from offset 0\nWORKFLOW +STATUS +STARTED +FILES +CREATED +UPDATED +UNCHANGED +REJECTED\nimport-abc +completed +\S+ +3\/3 +2 +0 +0 +1\n$/,
    );
  });

  it('imports works with a worker whose answer has no total yet', async () => {
    importsWithTotal = false;
    try {
      expect(JSON.parse((await runCli(['imports', '--json'], env)).stdout)).toEqual({ total: 1, items: [run] });
    } finally {
      importsWithTotal = true;
    }
  });

  it("a 404 is exit 1 with the API's sentence, no URL prefix", async () => {
    const result = await runCli(['articles', 'show', 'alphanode-999999'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('pressroom articles show: no article with source id "alphanode-999999" (GET /articles/alphanode-999999 answered 404)\n');
  });
});
