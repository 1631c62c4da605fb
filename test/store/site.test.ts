import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, openStore, type Db, type Store } from '../../src/store/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { articleFixture, pointEnvironment, seedRelease, seedRevision, type SeedItem } from '../helpers/site.js';

// The site's reads: which release they show is decided by one statement through environments →
// release_items, so a reader racing a pointer move sees one whole release or the other; an article's
// content, fetched in a second step by the pinned (source id, revision), cannot change that.

for (const backend of backends()) {
  describe(`site reads on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    /** Release A publishes revision 1 of three articles; release B revision 2 of two of them and a new one. */
    const releaseA: SeedItem[] = [];
    const releaseB: SeedItem[] = [];

    beforeAll(async () => {
      database = await backend.create();
      store = await openStore(database.config);
      const one = articleFixture('alphanode-000001', 'Zebra first', { summary: 'summary one' });
      const two = articleFixture('alphanode-000002', 'Apple second');
      const three = articleFixture('alphanode-000003', 'Mango third');
      const four = articleFixture('alphanode-000004', 'Kiwi fourth');
      for (const a of [one, two, three]) releaseA.push({ article: a, revision: 1, contentHash: await seedRevision(store.db, a, 1) });
      const twoV2 = { ...two, title: 'Apple second, retitled', lede: 'new lede' };
      const oneV2 = { ...one, meta: { ...one.meta, summary: 'summary one, v2' } };
      releaseB.push({ article: oneV2, revision: 2, contentHash: await seedRevision(store.db, oneV2, 2) });
      releaseB.push({ article: twoV2, revision: 2, contentHash: await seedRevision(store.db, twoV2, 2) });
      releaseB.push({ article: four, revision: 1, contentHash: await seedRevision(store.db, four, 1) });
      await seedRelease(store.db, 'rel-a', releaseA, { tag: '2026.01.01-1' });
      await seedRelease(store.db, 'rel-b', releaseB, { tag: '2026.01.02-1' });
      await seedRelease(store.db, 'rel-empty', []);
    });
    afterAll(async () => {
      await store?.close();
      await database?.cleanup();
    });

    const slugOf = async (sourceId: string) => (await store.db.query<{ slug: string }>('SELECT slug FROM articles WHERE source_id = $1', [sourceId]))[0]!.slug;

    it('reads nothing from an environment no release was promoted to', async () => {
      await pointEnvironment(store.db, 'staging', null);
      expect(await store.site.index('staging')).toBeUndefined();
      expect(await store.site.article('staging', await slugOf('alphanode-000001'))).toBeUndefined();
    });

    it('reads the exact revision the release names, under its slug and title', async () => {
      await pointEnvironment(store.db, 'production', 'rel-a');
      const slug = await slugOf('alphanode-000002');
      const read = await store.site.article('production', slug);
      expect(read?.release).toEqual({ id: 'rel-a', tag: '2026.01.01-1', manifestHash: 'manifest-rel-a' });
      expect(read?.article).toMatchObject({ sourceId: 'alphanode-000002', slug, title: 'Apple second', revision: 1, contentHash: releaseA[1]!.contentHash });
      expect(read?.article?.article.lede).toBe('the lede of Apple second');

      await pointEnvironment(store.db, 'staging', 'rel-b');
      const staged = await store.site.article('staging', slug);
      expect(staged?.article).toMatchObject({ revision: 2, title: 'Apple second, retitled' });
      expect(staged?.article?.article.lede).toBe('new lede');
      // The slug stayed when the title changed: the page did not move.
      expect(staged?.article?.slug).toBe(slug);
    });

    it('tells a release without that slug apart from no release', async () => {
      await pointEnvironment(store.db, 'production', 'rel-a');
      const read = await store.site.article('production', await slugOf('alphanode-000004'));
      expect(read).toEqual({ release: { id: 'rel-a', tag: '2026.01.01-1', manifestHash: 'manifest-rel-a' }, article: undefined });
      expect((await store.site.article('production', 'no-such--slug'))?.article).toBeUndefined();
    });

    it('lists the index by slug with summaries (meta.summary, else the lede) and revision dates', async () => {
      await pointEnvironment(store.db, 'production', 'rel-a');
      const index = await store.site.index('production');
      expect(index?.release.id).toBe('rel-a');
      expect(index?.articles.map((a) => [a.sourceId, a.revision, a.summary])).toEqual([
        ['alphanode-000002', 1, 'the lede of Apple second'],
        ['alphanode-000003', 1, 'the lede of Mango third'],
        ['alphanode-000001', 1, 'summary one'],
      ]);
      for (const entry of index?.articles ?? []) expect(Number.isNaN(Date.parse(entry.updatedAt))).toBe(false);
    });

    it('reads an empty release as a release with no articles', async () => {
      await pointEnvironment(store.db, 'staging', 'rel-empty');
      expect(await store.site.index('staging')).toEqual({ release: { id: 'rel-empty', tag: null, manifestHash: 'manifest-rel-empty' }, articles: [] });
    });

    it('reads an article in two steps that stay in one release when the pointer moves between them', async () => {
      await pointEnvironment(store.db, 'production', 'rel-a');
      const slug = await slugOf('alphanode-000002');
      const pinned = await store.site.entry('production', slug);
      expect(pinned?.release.id).toBe('rel-a');
      expect(pinned?.item).toEqual({ sourceId: 'alphanode-000002', slug, title: 'Apple second', revision: 1, contentHash: releaseA[1]!.contentHash });
      // The pointer moves to rel-b (revision 2, another lede) between the two steps.
      await pointEnvironment(store.db, 'production', 'rel-b');
      try {
        const content = await store.site.revision(pinned!.item!.sourceId, pinned!.item!.revision);
        expect(content?.lede).toBe('the lede of Apple second');
        expect(content?.title).toBe('Apple second');
        // A read begun after the move shows rel-b whole.
        const after = await store.site.article('production', slug);
        expect(after?.release.id).toBe('rel-b');
        expect(after?.article).toMatchObject({ revision: 2, title: 'Apple second, retitled', article: { lede: 'new lede' } });
      } finally {
        await pointEnvironment(store.db, 'production', 'rel-a');
      }
    });

    it('reads no entry for a slug the release lacks, and no content for a revision never stored', async () => {
      await pointEnvironment(store.db, 'production', 'rel-a');
      expect(await store.site.entry('production', await slugOf('alphanode-000004'))).toEqual({
        release: { id: 'rel-a', tag: '2026.01.01-1', manifestHash: 'manifest-rel-a' },
        item: undefined,
        // No search index yet: article pages show no similar posts.
        searchGeneration: null,
      });
      expect(await store.site.revision('alphanode-000001', 99)).toBeUndefined();
      expect(await store.site.revision('no-such-source', 1)).toBeUndefined();
    });

    it('never shows a reader half a pointer move: every read is wholly one release', async () => {
      // A second connection flips the pointer while this one reads (on PGlite, one connection interleaves them).
      const mover: Db = backend.name === 'postgres' ? await openDb(database.config, { poolSize: 2 }) : store.db;
      const expected = new Map([
        ['rel-a', releaseA.map((i) => `${i.article.sourceId}@${i.revision}`).sort()],
        ['rel-b', releaseB.map((i) => `${i.article.sourceId}@${i.revision}`).sort()],
      ]);
      const slug = await slugOf('alphanode-000001');
      try {
        await pointEnvironment(store.db, 'production', 'rel-a');
        let flipping = true;
        const flips = (async () => {
          for (let n = 0; flipping && n < 2_000; n++) await pointEnvironment(mover, 'production', n % 2 === 0 ? 'rel-b' : 'rel-a');
        })();
        const seen = new Set<string>();
        for (let n = 0; n < 150; n++) {
          // PGlite runs one queue: a read of a fixed number of statements can fall in step with the flips and
          // only ever see one release. A varying number of no-op statements first shifts the phase.
          for (let k = 0; k < n % 3; k++) await store.db.query('SELECT 1');
          const [index, page] = await Promise.all([store.site.index('production'), store.site.article('production', slug)]);
          expect(index).toBeDefined();
          const shown = index!.articles.map((a) => `${a.sourceId}@${a.revision}`).sort();
          expect(shown, `index of ${index!.release.id}`).toEqual(expected.get(index!.release.id));
          const revision = page?.article?.revision;
          expect(revision, `article page of ${page?.release.id}`).toBe(page?.release.id === 'rel-a' ? 1 : 2);
          // The page's content is fetched in a second step: it must still be the revision the first step pinned.
          expect(page?.article?.article.meta.summary, `article content of ${page?.release.id}`).toBe(
            page?.release.id === 'rel-a' ? 'summary one' : 'summary one, v2',
          );
          seen.add(index!.release.id);
        }
        flipping = false;
        await flips;
        // The reads really raced the moves: both releases were seen.
        expect([...seen].sort()).toEqual(['rel-a', 'rel-b']);
      } finally {
        if (mover !== store.db) await mover.close();
      }
    });
  });
}
