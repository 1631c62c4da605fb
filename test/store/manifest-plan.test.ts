// Listing 1M files took 140 s, most of it in the manifest's duplicate check: with statistics from while
// import_items was empty, the planner hashed every item listed so far for each 2,000-row chunk, so each
// chunk cost more than the last. The check must probe the (run_id, path, line) index per row instead.
// The walk goes on while a chunk is written, so a failure on either side must still surface, once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/store/db.js';
import { WRITE_MANIFEST_CHUNK, createImportRepo, type ManifestEntry } from '../../src/store/imports.js';
import { openStore, type Store } from '../../src/store/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';

const path = (i: number) => `/data/exports/d${String(Math.floor(i / 1000)).padStart(3, '0')}/doc-${String(i).padStart(6, '0')}.txt`;

describe.each(backends())('the manifest on $name', (backend) => {
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

  it('checks each chunk for repeats by index probes, never by hashing every item listed before it', async () => {
    await store.imports.startRun({ runId: 'plan', workflowId: 'wf', source: {}, dryRun: false });
    const listed = 20_000;
    async function* entries(): AsyncGenerator<ManifestEntry> {
      for (let i = 0; i < listed; i++) yield { path: path(i), root: '/data/exports' };
      yield { path: path(5), root: '/data/exports' }; // a repeat across chunks is still dropped
    }
    expect(await store.imports.writeManifest('plan', entries())).toBe(listed);

    const chunk = Array.from({ length: 2_000 }, (_, k) => path(listed + k));
    const params = [
      'plan',
      chunk,
      chunk.map(() => 0),
      chunk.map(() => null),
      chunk.map(() => null),
      chunk.map(() => '/data/exports'),
      chunk.map(() => null),
      listed,
    ];
    const rows = await store.db.query<Record<string, string>>(`EXPLAIN ${WRITE_MANIFEST_CHUNK}`, params);
    const plan = rows.map((row) => Object.values(row)[0]).join('\n');
    expect(plan).toMatch(/import_items_path/);
    expect(plan).not.toMatch(/Hash Anti Join|Hash Right Anti Join|Seq Scan on import_items/);
  });

  it('tells how far a listing got: whole chunks as they commit, then the total', async () => {
    await store.imports.startRun({ runId: 'progress', workflowId: 'wf', source: {}, dryRun: false });
    expect(await store.imports.listingState('progress')).toEqual({ total: null, listed: 0 });
    async function* entries(): AsyncGenerator<ManifestEntry> {
      for (let i = 0; i < 5_000; i++) yield { path: path(i), root: '/data/exports' };
    }
    const seen: Array<{ total: number | null; listed: number }> = [];
    await store.imports.writeManifest('progress', entries(), async () => {
      seen.push(await store.imports.listingState('progress'));
    });
    expect(seen).toEqual([
      { total: null, listed: 2_000 },
      { total: null, listed: 4_000 },
      { total: null, listed: 5_000 },
    ]);
    expect(await store.imports.listingState('progress')).toEqual({ total: 5_000, listed: 5_000 });
    // A run never listed (or not started yet) has listed nothing.
    expect(await store.imports.listingState('no-such-run')).toEqual({ total: null, listed: 0 });
  });

  /** The store's repository over a connection that logs when each statement starts and ends. */
  const logged = (log: string[]): ReturnType<typeof createImportRepo> => {
    const db: Queryable = {
      query: async (sql, params) => {
        const name = sql.startsWith('WITH incoming') ? 'chunk' : 'statement';
        log.push(`${name} starts`);
        try {
          const rows = await store.db.query(sql, params);
          // A slow database: the walk has every chance to go on meanwhile, and must.
          if (name === 'chunk') await new Promise((resolve) => setTimeout(resolve, 100));
          return rows;
        } finally {
          log.push(`${name} ends`);
        }
      },
    } as Queryable;
    return createImportRepo(db);
  };

  it('reads the next chunk of the walk while the chunk before it is written', async () => {
    await store.imports.startRun({ runId: 'overlap', workflowId: 'wf', source: {}, dryRun: false });
    const log: string[] = [];
    async function* entries(): AsyncGenerator<ManifestEntry> {
      for (let i = 0; i < 5_000; i++) {
        if (i % 1_000 === 0) log.push(`walked ${i}`);
        yield { path: path(i), root: '/data/exports' };
        if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    expect(await logged(log).writeManifest('overlap', entries())).toBe(5_000);
    const first = log.indexOf('chunk starts');
    expect(log.indexOf('walked 3000')).toBeGreaterThan(first);
    expect(log.indexOf('walked 3000')).toBeLessThan(log.indexOf('chunk ends'));
    // One chunk in flight: each next chunk starts after the one before it ended (its first seq depends on it).
    const chunks = log.filter((line) => line.startsWith('chunk'));
    expect(chunks).toEqual(['chunk starts', 'chunk ends', 'chunk starts', 'chunk ends', 'chunk starts', 'chunk ends']);
    const [items] = await store.db.query<{ n: number; dense: boolean }>(
      "SELECT count(*)::int AS n, max(seq) = count(*) - 1 AS dense FROM import_items WHERE run_id = 'overlap'",
    );
    expect(items).toEqual({ n: 5_000, dense: true });
  });

  it('fails the listing with the error of a chunk that failed while the walk went on, and leaves no rejection unhandled', async () => {
    await store.imports.startRun({ runId: 'bad-chunk', workflowId: 'wf', source: {}, dryRun: false });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      async function* entries(): AsyncGenerator<ManifestEntry> {
        // A NUL byte in a path: the database refuses the first chunk's statement.
        for (let i = 0; i < 4_500; i++) yield { path: i === 7 ? `${path(i)}\u0000` : path(i), root: '/data/exports' };
      }
      await expect(store.imports.writeManifest('bad-chunk', entries())).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      const [run] = await store.db.query<{ total: number | null }>("SELECT total FROM import_runs WHERE run_id = 'bad-chunk'");
      expect(run?.total).toBeNull();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it("fails the listing with the walk's error only once the chunk in flight is written", async () => {
    await store.imports.startRun({ runId: 'bad-walk', workflowId: 'wf', source: {}, dryRun: false });
    const log: string[] = [];
    async function* entries(): AsyncGenerator<ManifestEntry> {
      for (let i = 0; i < 2_500; i++) yield { path: path(i), root: '/data/exports' };
      throw new Error('the walk failed');
    }
    await expect(logged(log).writeManifest('bad-walk', entries())).rejects.toThrow('the walk failed');
    expect(log.at(-1)).toBe('chunk ends');
    const [items] = await store.db.query<{ n: number }>("SELECT count(*)::int AS n FROM import_items WHERE run_id = 'bad-walk'");
    expect(items?.n).toBe(2_000);
  });
});
