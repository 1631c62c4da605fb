import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type TestDatabase } from '../helpers/db.js';
import { testConfig } from '../helpers/temporal.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';
import { rawRequest } from '../helpers/raw-http.js';

// The worker's HTTP port is published by docker-compose: a hostile request must never stop the process
// that also runs imports, and an error must never hand database text to the client.

// Run against one backend: the HTTP edge does not depend on the database kind.
const backend = backends().at(-1)!;

describe(`a real worker process under hostile HTTP requests (${backend.name})`, () => {
  let database: TestDatabase;
  let worker: WorkerProcess;
  let port: number;

  beforeAll(async () => {
    database = await backend.create();
    const config = testConfig(database.config);
    worker = await spawnWorker({ temporalAddress: config.temporal.address, taskQueue: config.temporal.taskQueue, database: database.config });
    port = Number(new URL(worker.httpUrl).port);
  });
  afterAll(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await database?.cleanup();
  });

  const requestLines = [
    'GET //a:99999/ HTTP/1.1',
    'GET http://a:99999/health HTTP/1.1',
    'GET //a:99999/articles/x HTTP/1.1',
    'GET http://[::1 HTTP/1.1',
    'GET * HTTP/1.1',
    'CONNECT a:99999 HTTP/1.1',
    'GET /articles/%E0%A4%A HTTP/1.1',
    'GET /imports/%FF%FE HTTP/1.1',
    'GET /rejections?limit=%zz HTTP/1.1',
    'GET /\x00 HTTP/1.1',
    'GET / HTTP/9.9',
    'GET /health HTTP/1.1\r\nContent-Length: -1',
    `GET /health HTTP/1.1\r\nX-Big: ${'b'.repeat(100_000)}`,
    '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
  ];

  it('survives every malformed request line: each gets an answer or a close, then /health answers 200', async () => {
    for (const line of requestLines) {
      const response = await rawRequest(port, `${line}\r\nHost: x\r\n\r\n`);
      if (response !== '') expect(response, JSON.stringify(line.slice(0, 60))).toMatch(/^HTTP\/1\.1 [234]\d\d /);
      expect(worker.child.exitCode, `the worker exited after ${JSON.stringify(line.slice(0, 60))}:\n${worker.output()}`).toBeNull();
    }
    const health = await fetch(`${worker.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('refuses bad ids and paging with 400s that name the parameter; no database text ever reaches the client', async () => {
    const cases: Array<[string, string]> = [
      ['/articles/%00', 'sourceId'],
      ['/articles?offset=1e20', 'offset'],
      ['/articles?offset=9223372036854775807', 'offset'],
      ['/rejections?limit=99999999999', 'limit'],
      ['/imports?offset=-3', 'offset'],
      ['/imports/%00', 'id'],
      ['/imports/x/results?limit=1.5', 'limit'],
      ['/articles/%E0%A4%A', 'path'],
    ];
    for (const [path, parameter] of cases) {
      const res = await fetch(`${worker.httpUrl}${path}`);
      const text = await res.text();
      expect(res.status, `${path}: ${text}`).toBe(400);
      expect((JSON.parse(text) as { parameter: string }).parameter, path).toBe(parameter);
      expect(text, path).not.toMatch(/invalid byte sequence|out of range|syntax for type|bigint|SQLSTATE|relation /i);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const post = await fetch(`${worker.httpUrl}/imports`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(worker.child.exitCode).toBeNull();
  });
});
