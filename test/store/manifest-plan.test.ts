// Listing 1M files took 140 s, most of it in the manifest's duplicate check: with statistics from while
// import_items was empty, the planner hashed every item listed so far for each 2,000-row chunk, so each
// chunk cost more than the last. The check must probe the (run_id, path, line) index per row instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRITE_MANIFEST_CHUNK, type ManifestEntry } from '../../src/store/imports.js';
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
});
