import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DOCUMENT_BYTES, parseExport, sourceDigest, synthesizeDocument, type Article } from '../../src/domain/article/index.js';
import type { ImportCounts } from '../../src/domain/import/index.js';
import { commitBatch, contentHash, manifestEntries, prepareItems, type PreparedDocument } from '../../src/ingest/batch.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { ManifestItem } from '../../src/store/imports.js';
import { backends, type TestDatabase } from '../helpers/db.js';

// An unchanged re-import knows its documents by their bytes (articles.source_digest) and parses none of
// them; everything else about the import stays as it was: an edited file, an article changed since the
// lookup, a digest missing from before, a displaced duplicate's write undone.

const DOCS = 12;

function exportText(index: number, title?: string): string {
  const doc = synthesizeDocument(7, index);
  const text = typeof doc.content === 'string' ? doc.content : Buffer.from(doc.content).toString('utf8');
  if (title === undefined) return text;
  const parsed = parseExport(text);
  if (!parsed.ok) throw new Error('fixture does not parse');
  return text.replace(parsed.article.title, title);
}

for (const backend of backends()) {
  describe(`source digests on ${backend.name}`, () => {
    let store: Store;
    let database: TestDatabase;
    let dir: string;
    let runs = 0;

    beforeAll(async () => {
      database = await backend.create();
      store = await openStore(database.config);
      dir = mkdtempSync(join(tmpdir(), 'pressroom-digest-'));
      for (let i = 0; i < DOCS; i++) writeFileSync(join(dir, `doc-${String(i).padStart(3, '0')}.txt`), exportText(i));
    });
    afterAll(async () => {
      await store?.close();
      await database?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** Lists the directory as an import does and reads its documents, looking their digests up. */
    async function prepare(): Promise<{ runId: string; items: ManifestItem[]; prepared: PreparedDocument[] }> {
      const runId = `digest-run-${runs++}`;
      await store.imports.startRun({ runId, workflowId: runId, source: { paths: [dir] }, dryRun: false });
      const total = await store.imports.writeManifest(runId, manifestEntries([dir]));
      const items = await store.imports.items(runId, 0, total);
      const prepared = await prepareItems(items, DEFAULT_MAX_DOCUMENT_BYTES, { known: (digests) => store.articles.knownDigests(digests) });
      return { runId, items, prepared };
    }

    async function commit(run: { runId: string; items: ManifestItem[]; prepared: PreparedDocument[] }): Promise<ImportCounts> {
      const { runId, items, prepared } = run;
      return commitBatch(store.db, { runId, from: 0, to: items.length, files: items.length, prepared, policy: 'none', dryRun: false });
    }

    const articles = () =>
      store.db.query<{ source_id: string; content_hash: string; current_revision: number; source_digest: string | null }>(
        'SELECT source_id, content_hash, current_revision, source_digest FROM articles ORDER BY source_id',
      );
    const revisions = () => store.db.query('SELECT source_id, revision, content_hash FROM article_revisions ORDER BY source_id, revision');
    const parsedCount = (prepared: readonly PreparedDocument[]) => prepared.filter((d) => d.ok && d.content !== undefined).length;

    it('stores each article with the digest of the bytes it was parsed from', async () => {
      const run = await prepare();
      expect(parsedCount(run.prepared)).toBe(DOCS);
      expect(await commit(run)).toMatchObject({ created: DOCS, rejected: 0 });
      const rows = await articles();
      expect(rows).toHaveLength(DOCS);
      for (const [i, doc] of run.prepared.entries()) {
        if (!doc.ok) throw new Error('expected accepted documents');
        const bytes = readFileSync(join(dir, `doc-${String(i).padStart(3, '0')}.txt`));
        const sha = (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex');
        expect(doc.digest).toBe(sourceDigest('export', sha));
        expect(rows.find((r) => r.source_id === doc.sourceId)?.source_digest).toBe(doc.digest);
      }
    });

    it('an unchanged re-import parses none of its documents and writes no article or revision', async () => {
      const before = { articles: await articles(), revisions: await revisions() };
      const run = await prepare();
      expect(parsedCount(run.prepared)).toBe(0);
      for (const doc of run.prepared) expect(doc).toMatchObject({ ok: true, parse: expect.any(Function) });
      expect(await commit(run)).toMatchObject({ unchanged: DOCS, created: 0, updated: 0, rejected: 0 });
      expect({ articles: await articles(), revisions: await revisions() }).toEqual(before);
      const results = await store.imports.results(run.runId, { limit: 100, offset: 0 });
      expect(results.map((r) => r.outcome)).toEqual(Array<string>(DOCS).fill('unchanged'));
      expect(results.map((r) => r.sourceId)).toEqual(before.articles.map((a) => a.source_id));
    });

    it('a file edited in place is parsed and updated, and its new digest stored', async () => {
      const file = join(dir, 'doc-003.txt');
      writeFileSync(file, exportText(3, 'A title edited in place'));
      const run = await prepare();
      expect(parsedCount(run.prepared)).toBe(1);
      const edited = run.prepared[3];
      if (!edited?.ok || !edited.content) throw new Error('the edited document was not parsed');
      expect(edited.content.title).toBe('A title edited in place');
      expect(await commit(run)).toMatchObject({ updated: 1, unchanged: DOCS - 1 });
      const row = (await articles()).find((r) => r.source_id === edited.sourceId);
      expect(row).toMatchObject({ content_hash: edited.contentHash, current_revision: 2, source_digest: edited.digest });
      // And the next import knows it by its new bytes.
      expect(parsedCount((await prepare()).prepared)).toBe(0);
    });

    it('a known document whose article changed after the lookup is parsed after all and written', async () => {
      const run = await prepare();
      const doc = run.prepared[5];
      if (!doc?.ok || doc.content) throw new Error('expected a known document');
      // Another import changes that article between the lookup and this batch's commit.
      const parsed = parseExport(exportText(5));
      if (!parsed.ok) throw new Error('fixture does not parse');
      const other: Article = { ...parsed.article, title: 'Changed by another import meanwhile' };
      const otherRun = `digest-run-${runs++}`;
      await store.imports.startRun({ runId: otherRun, workflowId: otherRun, source: { paths: ['/elsewhere'] }, dryRun: false });
      const hash = contentHash(other);
      const elsewhere: PreparedDocument = {
        seq: 0,
        line: 0,
        path: '/elsewhere/5.txt',
        ok: true,
        sourceId: other.sourceId,
        article: other,
        contentHash: hash,
        sha256: hash,
        size: 1,
      };
      await commitBatch(store.db, { runId: otherRun, from: 0, to: 1, files: 1, prepared: [elsewhere], policy: 'none', dryRun: false });
      expect((await articles()).find((r) => r.source_id === doc.sourceId)).toMatchObject({ content_hash: hash, current_revision: 2, source_digest: null });

      const counts = await commit(run);
      expect(counts).toMatchObject({ updated: 1, unchanged: DOCS - 1 });
      // The content went back to the file's: revision 1 again, and the file's digest with it.
      expect((await articles()).find((r) => r.source_id === doc.sourceId)).toMatchObject({
        content_hash: doc.contentHash,
        current_revision: 1,
        source_digest: doc.digest,
      });
      const [result] = (await store.imports.results(run.runId, { limit: 100, offset: 0 })).filter((r) => r.sourceId === doc.sourceId);
      expect(result).toMatchObject({ outcome: 'updated', changedFields: ['title'] });
    });

    it('articles stored without a digest learn it on the next import, which writes nothing else', async () => {
      await store.db.query('UPDATE articles SET source_digest = NULL');
      const before = { revisions: await revisions(), updated: await store.db.query('SELECT source_id, updated_at FROM articles ORDER BY source_id') };
      const run = await prepare();
      expect(parsedCount(run.prepared)).toBe(DOCS);
      expect(await commit(run)).toMatchObject({ unchanged: DOCS });
      expect((await articles()).every((r) => r.source_digest !== null)).toBe(true);
      expect(await revisions()).toEqual(before.revisions);
      expect(await store.db.query('SELECT source_id, updated_at FROM articles ORDER BY source_id')).toEqual(before.updated);
      expect(parsedCount((await prepare()).prepared)).toBe(0);
    });

    it("a displaced duplicate's write is undone with its digest: its bytes are not taken for the restored article", async () => {
      const parsed = parseExport(exportText(0));
      if (!parsed.ok) throw new Error('fixture does not parse');
      const stored = (await articles()).find((r) => r.source_id === parsed.article.sourceId);
      if (!stored) throw new Error('expected the article stored');
      const runId = `digest-run-${runs++}`;
      await store.imports.startRun({ runId, workflowId: runId, source: { paths: ['/dupes'] }, dryRun: false });
      const later: Article = { ...parsed.article, title: 'The later duplicate' };
      const laterHash = contentHash(later);
      const laterDigest = sourceDigest('export', 'e'.repeat(64));
      // The later duplicate (seq 5) commits first and writes its content with its digest...
      const holder: PreparedDocument = {
        seq: 5,
        line: 0,
        path: '/dupes/5.txt',
        ok: true,
        sourceId: later.sourceId,
        article: later,
        contentHash: laterHash,
        sha256: 'e'.repeat(64),
        size: 1,
        digest: laterDigest,
      };
      await commitBatch(store.db, { runId, from: 5, to: 6, files: 1, prepared: [holder], policy: 'none', dryRun: false });
      expect((await articles()).find((r) => r.source_id === later.sourceId)?.source_digest).toBe(laterDigest);
      // ...then the first one (seq 0, the stored content, read without a digest) displaces it.
      const first: PreparedDocument = {
        seq: 0,
        line: 0,
        path: '/dupes/0.txt',
        ok: true,
        sourceId: parsed.article.sourceId,
        article: parsed.article,
        contentHash: stored.content_hash,
        sha256: 'f'.repeat(64),
        size: 1,
      };
      expect(await commitBatch(store.db, { runId, from: 0, to: 1, files: 1, prepared: [first], policy: 'none', dryRun: false })).toMatchObject({
        unchanged: 1,
      });
      const after = (await articles()).find((r) => r.source_id === later.sourceId);
      expect(after).toMatchObject({ content_hash: stored.content_hash, source_digest: stored.source_digest });
      expect(await store.articles.knownDigests([laterDigest])).toEqual(new Map());
    });
  });
}
