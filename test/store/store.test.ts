import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLockedError } from '../../src/store/lock.js';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { openDb, openStore, type Store } from '../../src/store/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

for (const backend of backends()) {
  describe(`store on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;

    beforeAll(async () => {
      database = await backend.create();
      store = await openStore(database.config);
    });
    afterAll(async () => {
      await store?.close();
      await database?.cleanup();
    });

    // Array parameters: the PostgreSQL wrapper writes their literals itself (array-literal.ts); PGlite gets the arrays.
    it('round-trips text, integer and bigint arrays, nulls and escapes included', async () => {
      const texts = ['/src/a "quoted".txt', 'back\\slash', '', null, 'café 日本語 🎉', 'NULL', '{braces}, comma'];
      const ints = [1, -2, 0, 2147483647];
      const bigs = [9007199254740991, 0, null];
      const [row] = await store.db.query<{ texts: Array<string | null>; ints: number[]; bigs: Array<number | null> }>(
        'SELECT $1::text[] AS texts, $2::int[] AS ints, $3::int8[] AS bigs',
        [texts, ints, bigs],
      );
      expect(row?.texts).toEqual(texts);
      expect(row?.ints).toEqual(ints);
      expect(row?.bigs?.map((v) => (v === null ? null : Number(v)))).toEqual(bigs);
    });

    it('reads an empty array as empty and a plain one element by element', async () => {
      const [row] = await store.db.query<{ n: number; second: string | null }>('SELECT cardinality($1::text[]) AS n, ($2::text[])[2] AS second', [
        [],
        ['a', 'b', 'c'],
      ]);
      expect(row).toEqual({ n: 0, second: 'b' });
    });

    it('records every migration once, and a second run applies nothing', async () => {
      const rows = await store.db.query<{ id: number; name: string }>('SELECT id, name FROM schema_migrations ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual(MIGRATIONS.map((m) => m.id));
      expect(await migrate(store.db)).toEqual([]);
    });

    it('stores revisions compressed with lz4 where the server has it, pglz (the default) where not', async () => {
      const [support] = await store.db.query<{ lz4: boolean }>(
        `SELECT 'lz4' = ANY (enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`,
      );
      const [column] = await store.db.query<{ compression: string }>(
        `SELECT attcompression::text AS compression FROM pg_attribute WHERE attrelid = 'article_revisions'::regclass AND attname = 'article'`,
      );
      // PostgreSQL 15 from Debian is built with lz4; PGlite is not.
      expect(support?.lz4).toBe(backend.name === 'postgres');
      expect(column?.compression).toBe(backend.name === 'postgres' ? 'l' : '');
    });

    it('applies a new migration forward and records it', async () => {
      const next = { id: 10_000, name: 'test-only', sql: 'CREATE TABLE test_only_a (x int); CREATE TABLE test_only_b (y int);' };
      expect(await migrate(store.db, [...MIGRATIONS, next])).toEqual([10_000]);
      expect(await migrate(store.db, [...MIGRATIONS, next])).toEqual([]);
      const tables = await store.db.query<{ n: number }>(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('test_only_a', 'test_only_b') AND table_schema = current_schema()",
      );
      expect(tables[0]?.n).toBe(2);
    });

    it('writes and reads a probe row, and counts come back as numbers', async () => {
      await store.probes.write({ key: 'a', value: 'one', attempts: 1 });
      await store.probes.write({ key: 'a', value: 'two', attempts: 3 });
      expect(await store.probes.read('a')).toEqual({ key: 'a', value: 'two', attempts: 3 });
      const [count] = await store.db.query<{ n: number }>('SELECT count(*) AS n FROM probe_rows');
      expect(count?.n).toBe(1);
    });

    it('rolls a failed transaction back whole', async () => {
      await expect(
        store.db.transaction(async (tx) => {
          await tx.query("INSERT INTO probe_rows (key, value, attempts) VALUES ('tx1', 'x', 1)");
          await tx.query("INSERT INTO probe_rows (key, value, attempts) VALUES ('tx1', 'dup', 1)");
        }),
      ).rejects.toThrow(/duplicate key/);
      expect(await store.probes.read('tx1')).toBeUndefined();
      await store.db.transaction(async (tx) => {
        await tx.query("INSERT INTO probe_rows (key, value, attempts) VALUES ('tx2', 'x', 1)");
      });
      expect(await store.probes.read('tx2')).toMatchObject({ value: 'x' });
    });

    it('a rejection is resolved by a later run naming its source id, never by another document of the same run', async () => {
      const quarantined = { line: 0, sourceId: 'resolve-me-1', sha256: 'a'.repeat(64), size: 3, raw: null, errors: [{ field: 'title', message: 'missing' }] };
      await store.imports.quarantine('run-a', { ...quarantined, path: '/src/bad.txt' });
      // Same run, another file with the same source id: which of the two committed first is timing.
      expect(await store.imports.resolve('run-a', { path: '/src/good.txt', line: 0, sourceId: 'resolve-me-1' })).toBe(0);
      expect(await store.imports.resolve('run-b', { path: '/src/good.txt', line: 0, sourceId: 'resolve-me-1' })).toBe(1);
    });
  });
}

describe('PGlite data directory lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pressroom-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second opener with an error naming the holder, then lets go on close', async () => {
    const dataDir = join(dir, 'db');
    const first = await openDb({ kind: 'pglite', dataDir });
    const second = openDb({ kind: 'pglite', dataDir });
    await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
    await expect(second).rejects.toThrow(new RegExp(`pid ${process.pid}`));
    await first.close();
    const third = await openDb({ kind: 'pglite', dataDir });
    await third.close();
  });

  it('a second process gets the error and the database is untouched', async () => {
    const dataDir = join(dir, 'db2');
    const holder = await openStore({ kind: 'pglite', dataDir });
    await holder.probes.write({ key: 'kept', value: 'v', attempts: 1 });
    const script = `import { openDb } from './src/store/index.ts';
      try { await openDb({ kind: 'pglite', dataDir: ${JSON.stringify(dataDir)} }); console.log('OPENED'); }
      catch (e) { console.log(e.name + ': ' + e.message); process.exitCode = 3; }`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() });
    expect(child.status).toBe(3);
    expect(child.stdout).toContain('DataDirLockedError');
    expect(child.stdout).toContain(`pid ${process.pid}`);
    expect(await holder.probes.read('kept')).toMatchObject({ value: 'v' });
    await holder.close();
  });

  it('takes over a lock left by a process that died', async () => {
    const dataDir = join(dir, 'db3');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir, { recursive: true });
    const { hostname } = await import('node:os');
    writeFileSync(join(dataDir, 'pressroom.lock'), JSON.stringify({ pid: Number(dead.stdout), host: hostname(), startedAt: 'then', command: 'gone' }));
    const db = await openDb({ kind: 'pglite', dataDir });
    await db.close();
  });
});

const postgresBackend = backends().find((b) => b.name === 'postgres');

// The pool only listens for errors on idle clients; a connection lost while a transaction holds
// its client must reject that transaction, not crash the process with an unhandled 'error' event.
describe.runIf(postgresBackend)('PostgreSQL connection cut mid-transaction', () => {
  it('rejects the transaction with no uncaught error, and the next query reconnects', async () => {
    const database = await postgresBackend!.create();
    if (database.config.kind !== 'postgres') throw new Error('expected a PostgreSQL test database');
    const target = new URL(database.config.url);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    const proxied = new URL(database.config.url);
    proxied.host = `127.0.0.1:${await proxy.start()}`;
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    const db = await openDb({ kind: 'postgres', url: proxied.toString() });
    try {
      await expect(
        db.transaction(async (tx) => {
          await tx.query('SELECT 1');
          proxy.cut();
          await new Promise((resolve) => setTimeout(resolve, 100));
          await tx.query('SELECT 2');
        }),
      ).rejects.toThrow(/Connection terminated|not queryable|ECONNRESET/);
      proxy.restore();
      expect(await db.query<{ n: number }>('SELECT 3 AS n')).toEqual([{ n: 3 }]);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await db.close();
      await proxy.stop();
      await database.cleanup();
    }
  });
});

// Issue 8 item 15: the pool must hold as many connections as the worker has activity slots, or
// activities wait for a connection inside their timeouts.
describe.runIf(postgresBackend)('PostgreSQL pool size', () => {
  it('a store opened for N activity slots holds N transactions open at once', async () => {
    const { activitySlots } = await import('../../src/worker.js');
    const slots = activitySlots({ import: { concurrency: 8, batchSize: 100, parseThreads: 1 } });
    expect(slots).toBeGreaterThan(10); // more than the old fixed pool of 10
    const database = await postgresBackend!.create();
    const store = await openStore(database.config, { poolSize: slots });
    try {
      let entered = 0;
      let releaseAll!: () => void;
      const allIn = new Promise<void>((resolve) => (releaseAll = resolve));
      const transactions = Array.from({ length: slots }, () =>
        store.db.transaction(async (tx) => {
          await tx.query('SELECT 1');
          if (++entered === slots) releaseAll();
          await allIn;
        }),
      );
      const timedOut = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
      expect(await Promise.race([allIn.then(() => 'all in' as const), timedOut])).toBe('all in');
      await Promise.all(transactions);
    } finally {
      await store.close();
      await database.cleanup();
    }
  });
});

describe('PostgreSQL unreachable at start-up', () => {
  it('is a DatabaseUnavailableError naming host and port, never the password', async () => {
    const { DatabaseUnavailableError } = await import('../../src/store/db.js');
    const error = await openDb({ kind: 'postgres', url: 'postgres://someone:s3cret@127.0.0.1:1/nowhere' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error).toMatchObject({ type: 'DatabaseUnavailable', retryable: true });
    expect((error as Error).message).toContain('127.0.0.1:1/nowhere');
    expect((error as Error).message).not.toContain('s3cret');
  });
});
