import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReleaseInProgressError, ReleaseNotFoundError } from '../../src/domain/release/errors.js';
import { manifestText } from '../../src/domain/release/identity.js';
import { identifyCandidate, identifyRollback } from '../../src/release/build.js';
import { openStore, repositories, type Queryable, type Store } from '../../src/store/index.js';
import { createReleaseRepo } from '../../src/store/releases.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { idOf, reviseArticles, seedArticles, setReview } from '../helpers/release-fixtures.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const by = { workflowId: 'wf-test', requestedBy: 'tester' };

for (const backend of backends()) {
  describe(`releases store on ${backend.name}`, () => {
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

    const candidate = (only: string[] | null = null) => store.releases.createCandidate({ ...by, only, identify: identifyCandidate });
    const promote = (releaseId: string, action = 'promote') =>
      store.releases.point({ environment: 'production', releaseId, actor: 'tester', action, workflowId: 'wf-test', reason: null });
    const manifestOf = async (releaseId: string) => (await store.releases.manifest(releaseId, { limit: 10_000, offset: 0 })).entries;

    // One story, in order: each step builds on the last (first release, a second, a rollback, its undo).
    const ids = { first: '', second: '', rollback: '' };

    it('nothing approved is nothing to release', async () => {
      await seedArticles(store.db, { prefix: 'p-', count: 3, state: 'pending', reviewer: null });
      await expect(candidate()).rejects.toThrow(ReleaseNotFoundError);
      await expect(candidate()).rejects.toThrow(/nothing to release: no article is approved/);
    });

    it('builds the first release from every approved current revision, hashed where the rows are', async () => {
      await seedArticles(store.db, { prefix: 'a-', count: 30 });
      const { plan, created } = await candidate();
      expect(created).toBe(true);
      expect(plan).toMatchObject({ baseRelease: null, articles: 30, diff: { added: 30, updated: 0, removed: 0 } });
      expect(plan.releaseId).toMatch(/^rel-[0-9a-f]{16}$/);
      expect(plan.diff.sample.added[0]).toBe(idOf('a-', 1));
      const entries = await manifestOf(plan.releaseId);
      expect(entries).toHaveLength(30);
      expect(entries[0]).toEqual({
        sourceId: 'a-000001',
        revision: 1,
        slug: 'article--a-000001',
        title: 'title of a-000001',
        contentHash: expect.any(String) as string,
      });
      // The SQL hash is the domain's definition: sha256 of manifestText.
      expect(plan.manifestHash).toBe(sha256(manifestText(entries)));
      expect(await store.releases.summary(plan.releaseId)).toMatchObject({ status: 'running', kind: 'release', workflowId: 'wf-test', requestedBy: 'tester' });
      ids.first = plan.releaseId;
    });

    it('triggered again, the same candidate finds the same release and writes nothing', async () => {
      const again = await candidate();
      expect(again).toMatchObject({ created: false, plan: { releaseId: ids.first, articles: 30 } });
      expect((await store.releases.list({ limit: 10, offset: 0 })).total).toBe(1);
    });

    it('triggered again after it failed, the same release runs again, its old outcome cleared', async () => {
      await store.releases.recordOutcome({ releaseId: ids.first, status: 'failed', reason: 'verification failed' });
      expect(await store.releases.summary(ids.first)).toMatchObject({
        status: 'failed',
        reason: 'verification failed',
        finishedAt: expect.any(String) as string,
      });
      await store.releases.createCandidate({ workflowId: 'wf-again', requestedBy: 'bo', only: null, identify: identifyCandidate });
      expect(await store.releases.summary(ids.first)).toMatchObject({
        status: 'running',
        reason: null,
        finishedAt: null,
        workflowId: 'wf-again',
        requestedBy: 'bo',
      });
    });

    it('points production in one transaction with an audit entry carrying the manifest hashes; again is a no-op', async () => {
      const move = await promote(ids.first);
      expect(move).toEqual({ environment: 'production', from: null, to: ids.first, moved: true });
      const again = await promote(ids.first);
      expect(again).toEqual({ environment: 'production', from: null, to: ids.first, moved: false });
      const { entries, total } = await store.releases.audit({ limit: 10, offset: 0 });
      expect(total).toBe(1);
      const summary = await store.releases.summary(ids.first);
      expect(entries[0]).toMatchObject({
        actor: 'tester',
        action: 'promote',
        environment: 'production',
        from: null,
        to: ids.first,
        fromHash: null,
        toHash: summary?.manifestHash,
      });
      expect((await store.releases.environments()).find((e) => e.name === 'production')).toMatchObject({
        releaseId: ids.first,
        manifestHash: summary?.manifestHash,
      });
    });

    it('with production serving every approved revision, there is nothing to release', async () => {
      await expect(candidate()).rejects.toThrow(/nothing to release: production \(rel-[0-9a-f]+\) already serves every approved revision/);
    });

    it('the next candidate is production plus approved changes: updated and added counted exactly, pending ones left out', async () => {
      await reviseArticles(store.db, [idOf('a-', 2), idOf('a-', 3), idOf('a-', 4)], 'approved');
      await reviseArticles(store.db, [idOf('a-', 5)], 'pending', null);
      await setReview(store.db, [idOf('p-', 1), idOf('p-', 2)], 'approved');
      const { plan } = await candidate();
      expect(plan).toMatchObject({
        baseRelease: ids.first,
        articles: 32,
        diff: { added: 2, updated: 3, removed: 0, sample: { added: ['p-000001', 'p-000002'], updated: ['a-000002', 'a-000003', 'a-000004'], removed: [] } },
      });
      const entries = new Map((await manifestOf(plan.releaseId)).map((e) => [e.sourceId, e]));
      expect(entries.get('a-000002')).toMatchObject({ revision: 2, title: 'title of a-000002 r2' });
      // Pending new content: production's revision stays in the release.
      expect(entries.get('a-000005')).toMatchObject({ revision: 1 });
      ids.second = plan.releaseId;
    });

    it('only: takes just the given approved articles, and names every unknown or unapproved id', async () => {
      const { plan } = await candidate(['a-000002']);
      expect(plan.diff).toMatchObject({ added: 0, updated: 1, removed: 0 });
      expect(plan.releaseId).not.toBe(ids.second);
      const error = await candidate(['a-000002', 'nope-1', 'a-000005', 'p-000003']).catch((e: unknown) => e);
      expect(error).toMatchObject({ type: 'InvalidInput' });
      expect((error as Error).message).toMatch(/unknown source ids: nope-1; not approved: a-000005 \(pending\), p-000003 \(pending\)/);
      await expect(candidate([])).rejects.toMatchObject({ type: 'InvalidInput' });
    });

    it('check subjects page by source id with the review evidence of each exact revision', async () => {
      const first = await store.releases.checkSubjects(ids.second, null, 20);
      const rest = await store.releases.checkSubjects(ids.second, first.at(-1)?.sourceId ?? null, 20);
      expect(first).toHaveLength(20);
      expect(rest).toHaveLength(12);
      const all = new Map([...first, ...rest].map((s) => [s.sourceId, s]));
      expect(all.size).toBe(32);
      expect(all.get('a-000002')?.review).toEqual({ approved: true, by: 'editor', published: false });
      expect(all.get('a-000002')?.article.title).toBe('title of a-000002 r2');
      // Revision 1 stays in the release while revision 2 waits: not approved now, but production published it.
      expect(all.get('a-000005')).toMatchObject({ revision: 1, review: { approved: false, by: null, published: true } });
      expect(all.get('p-000001')?.review).toEqual({ approved: true, by: 'editor', published: false });
    });

    it('diff and changes between any two releases, in either direction', async () => {
      expect(await store.releases.diff(ids.first, ids.second)).toMatchObject({ added: 0, updated: 3, removed: 2 });
      const changes = await store.releases.changes(ids.second, ids.first);
      expect(changes.map((c) => [c.kind, c.sourceId, c.from, c.to])).toEqual([
        ['updated', 'a-000002', 1, 2],
        ['updated', 'a-000003', 1, 2],
        ['updated', 'a-000004', 1, 2],
        ['added', 'p-000001', null, 1],
        ['added', 'p-000002', null, 1],
      ]);
      expect(await store.releases.changes(ids.second, ids.first, { perKind: 1 })).toHaveLength(2);
    });

    it('a pointer move that fails leaves the pointer and the audit trail as they were', async () => {
      const before = await store.releases.audit({ limit: 100, offset: 0 });
      await expect(
        store.db.transaction(async (tx) => {
          await repositories(tx).releases.point({
            environment: 'production',
            releaseId: ids.second,
            actor: 't',
            action: 'promote',
            workflowId: null,
            reason: null,
          });
          throw new Error('crash after the UPDATE');
        }),
      ).rejects.toThrow('crash after the UPDATE');
      expect((await store.releases.environments()).find((e) => e.name === 'production')?.releaseId).toBe(ids.first);
      expect((await store.releases.audit({ limit: 100, offset: 0 })).total).toBe(before.total);
    });

    it('tags releases YYYY.MM.DD-N per UTC day, once each', async () => {
      const day = new Date('2031-01-02T10:00:00Z');
      expect(await store.releases.tag(ids.first, { at: day })).toEqual({ tag: '2031.01.02-1', created: true });
      expect(await store.releases.tag(ids.first, { at: day })).toEqual({ tag: '2031.01.02-1', created: false });
      expect(await store.releases.tag(ids.second, { at: day })).toEqual({ tag: '2031.01.02-2', created: true });
      await expect(store.releases.tag('rel-0000000000000000')).rejects.toThrow(ReleaseNotFoundError);
    });

    it('promotes the second release, then rolls back to the first by default, recorded like a release', async () => {
      expect(await promote(ids.second)).toMatchObject({ from: ids.first, to: ids.second, moved: true });
      await store.releases.recordOutcome({ releaseId: ids.second, status: 'live', checks: null, decision: null, reason: null });
      expect(await store.releases.rollbackTarget()).toEqual({ current: ids.second, target: ids.first });

      const { plan, created } = await store.releases.createRollback({ ...by, target: null, identify: identifyRollback });
      expect(created).toBe(true);
      expect(plan.releaseId).toMatch(/^rb-[0-9a-f]{16}$/);
      expect(plan).toMatchObject({ target: ids.first, baseRelease: ids.second, articles: 30, diff: { added: 0, updated: 3, removed: 2 } });
      expect(plan.manifestHash).toBe((await store.releases.summary(ids.first))?.manifestHash);
      expect(await manifestOf(plan.releaseId)).toEqual(await manifestOf(ids.first));
      expect((await store.releases.createRollback({ ...by, target: null, identify: identifyRollback })).created).toBe(false);

      await store.releases.point({
        environment: 'production',
        releaseId: plan.releaseId,
        actor: 'ops',
        action: 'rollback',
        workflowId: 'wf-rb',
        reason: 'bad copy',
      });
      expect((await store.releases.summary(ids.second))?.status).toBe('rolled-back');
      expect(await store.releases.summary(plan.releaseId)).toMatchObject({ kind: 'rollback', target: ids.first });
      ids.rollback = plan.releaseId;
    });

    it('a rollback can be undone the same way: its default target is the release it replaced', async () => {
      expect(await store.releases.rollbackTarget()).toEqual({ current: ids.rollback, target: ids.second });
      const undo = await store.releases.createRollback({ ...by, target: null, identify: identifyRollback });
      expect(undo.plan).toMatchObject({ target: ids.second, baseRelease: ids.rollback });
      await expect(store.releases.createRollback({ ...by, target: ids.rollback, identify: identifyRollback })).rejects.toMatchObject({ type: 'InvalidInput' });
      await expect(store.releases.createRollback({ ...by, target: 'rel-ffffffffffffffff', identify: identifyRollback })).rejects.toThrow(ReleaseNotFoundError);
    });

    it('a compensating move back is never a rollback target', async () => {
      const { plan } = await store.releases.createRollback({ ...by, target: ids.second, identify: identifyRollback });
      await store.releases.point({ environment: 'production', releaseId: plan.releaseId, actor: 'wf', action: 'promote', workflowId: 'w', reason: null });
      await store.releases.point({
        environment: 'production',
        releaseId: ids.rollback,
        actor: 'wf',
        action: 'compensate',
        workflowId: 'w',
        reason: 'verification failed',
      });
      // Back on ids.rollback by compensation: the target is still what preceded it on purpose.
      expect(await store.releases.rollbackTarget()).toEqual({ current: ids.rollback, target: ids.second });
    });

    it('records outcomes with why, refuses unknown statuses, and lists and shows the history', async () => {
      await store.releases.recordOutcome({
        releaseId: ids.first,
        status: 'failed',
        checks: { passed: true, results: [] },
        decision: { by: 'ana', reason: 'ok', at: '2031-01-02T10:00:00.000Z' },
        reason: 'verification failed',
      });
      await expect(store.releases.recordOutcome({ releaseId: ids.first, status: 'weird' as never })).rejects.toMatchObject({ type: 'InvalidInput' });
      await expect(store.releases.recordOutcome({ releaseId: 'rel-0000000000000000', status: 'live' })).rejects.toThrow(ReleaseNotFoundError);
      const detail = await store.releases.get(ids.first, { limit: 5, offset: 0 });
      expect(detail).toMatchObject({ status: 'failed', reason: 'verification failed', tag: '2031.01.02-1', checks: { passed: true }, decision: { by: 'ana' } });
      expect(detail?.finishedAt).toEqual(expect.any(String));
      expect(detail?.items).toMatchObject({ total: 30, limit: 5, offset: 0 });
      expect(detail?.items.entries).toHaveLength(5);
      expect(detail?.audit.map((a) => a.action)).toEqual(['promote', 'promote']);
      const list = await store.releases.list({ limit: 2, offset: 0 });
      expect(list.total).toBeGreaterThanOrEqual(5);
      expect(list.items).toHaveLength(2);
      expect((await store.releases.list({ limit: 100, offset: 0, kind: 'rollback' })).items.every((r) => r.kind === 'rollback')).toBe(true);
      expect(await store.releases.get('rel-0000000000000000')).toBeUndefined();
    });

    it('the release lock: one holder; the same holder again is fine; another is told who holds it and for which release', async () => {
      await store.releases.acquireLock('wf-a');
      await store.releases.acquireLock('wf-a');
      await store.releases.lockRelease('wf-a', ids.second);
      const error = await store.releases.acquireLock('wf-b').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReleaseInProgressError);
      expect(error).toMatchObject({ type: 'ReleaseInProgress', holder: 'wf-a', releaseId: ids.second });
      expect((error as Error).message).toContain(`workflow wf-a (release ${ids.second})`);
      expect(await store.releases.releaseLock('wf-b')).toBe(false);
      expect(await store.releases.lockHolder()).toMatchObject({ holder: 'wf-a' });
      expect(await store.releases.releaseLock('wf-a')).toBe(true);
      await store.releases.acquireLock('wf-b');
      expect(await store.releases.lockHolder()).toMatchObject({ holder: 'wf-b', releaseId: null });
      await store.releases.releaseLock('wf-b');
    });

    it('concurrent lock takers: exactly one wins', async () => {
      const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => store.releases.acquireLock(`wf-race-${i}`)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(refused).toHaveLength(5);
      expect(refused.every((reason) => reason instanceof ReleaseInProgressError)).toBe(true);
      const holder = await store.releases.lockHolder();
      if (holder) await store.releases.releaseLock(holder.holder);
    });

    it('concurrent taggers of one day get distinct consecutive tags', async () => {
      const day = new Date('2031-06-07T00:00:00Z');
      const releases = (await store.releases.list({ limit: 100, offset: 0 })).items.filter((r) => r.tag === null).map((r) => r.id);
      expect(releases.length).toBeGreaterThanOrEqual(3);
      const tags = await Promise.all(releases.map((id) => store.releases.tag(id, { at: day })));
      expect(tags.map((t) => t.tag).sort()).toEqual(releases.map((_, i) => `2031.06.07-${i + 1}`).sort());
    });

    it('5,000 articles: the candidate, its diff and its rollback are a fixed handful of statements, whatever the size', async () => {
      await seedArticles(store.db, { prefix: 'big-', count: 5_000 });
      const statements: string[] = [];
      const counting = (q: Queryable): Queryable => ({
        query: (sql, params) => {
          statements.push(sql);
          return q.query(sql, params);
        },
        exec: (sql) => q.exec(sql),
      });
      const repo = createReleaseRepo({ ...counting(store.db), transaction: (fn) => store.db.transaction((tx) => fn(counting(tx))) } as typeof store.db);
      const { plan } = await repo.createCandidate({ ...by, only: null, identify: identifyCandidate });
      expect(plan.diff.added).toBe(5_002); // 5,000 new, and the two approved back in the rolled-back release
      expect(plan.articles).toBeGreaterThan(5_000);
      expect(plan.diff.sample.added).toHaveLength(50);
      expect(statements.length).toBeLessThanOrEqual(10);
      const [n] = await store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM release_items WHERE release_id = $1', [plan.releaseId]);
      expect(n?.n).toBe(plan.articles);

      statements.length = 0;
      await repo.point({ environment: 'production', releaseId: plan.releaseId, actor: 't', action: 'promote', workflowId: null, reason: null });
      const changes = await repo.changes(plan.releaseId, ids.rollback);
      expect(changes.filter((c) => c.kind === 'added')).toHaveLength(5_002);
      const rollback = await repo.createRollback({ ...by, target: null, identify: identifyRollback });
      expect(rollback.plan.diff.removed).toBe(5_002);
      expect(statements.length).toBeLessThanOrEqual(20);
    });
  });
}

// A second connection can only read while a transaction is open on a server: PGlite has one connection.
const serverUrl = process.env.TEST_DATABASE_URL;
describe.runIf(serverUrl !== undefined)('pointer moves seen by concurrent readers (PostgreSQL)', () => {
  let database: TestDatabase;
  let store: Store;
  const releases = { a: '', b: '' };

  beforeAll(async () => {
    const backend = backends().find((b) => b.name === 'postgres');
    if (!backend) throw new Error('TEST_DATABASE_URL is set, so the postgres backend exists');
    database = await backend.create();
    store = await openStore(database.config);
    await seedArticles(store.db, { prefix: 'c-', count: 200 });
    releases.a = (await store.releases.createCandidate({ ...by, only: null, identify: identifyCandidate })).plan.releaseId;
    await store.releases.point({ environment: 'staging', releaseId: releases.a, actor: 't', action: 'stage', workflowId: null, reason: null });
    await store.releases.point({ environment: 'production', releaseId: releases.a, actor: 't', action: 'promote', workflowId: null, reason: null });
    await reviseArticles(
      store.db,
      Array.from({ length: 100 }, (_, i) => idOf('c-', i + 1)),
      'approved',
    );
    releases.b = (await store.releases.createCandidate({ ...by, only: null, identify: identifyCandidate })).plan.releaseId;
  });
  afterAll(async () => {
    await store?.close();
    await database?.cleanup();
  });

  /** One statement through the pointer, as the site reads: which release, and a fingerprint of what it serves. */
  const read = async () => {
    const [row] = await store.db.query<{ release_id: string; n: number; revisions: number }>(
      `SELECT e.release_id, count(*)::int AS n, sum(i.revision)::int AS revisions
         FROM environments e JOIN release_items i ON i.release_id = e.release_id WHERE e.name = 'production' GROUP BY e.release_id`,
    );
    return row;
  };

  it('a reader during an uncommitted move sees the old release; after the commit, the new one', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let moved: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => (moved = resolve));
    const move = store.db.transaction(async (tx) => {
      await repositories(tx).releases.point({
        environment: 'production',
        releaseId: releases.b,
        actor: 't',
        action: 'promote',
        workflowId: null,
        reason: null,
      });
      moved();
      await gate;
    });
    await inside;
    expect((await read())?.release_id).toBe(releases.a);
    release();
    await move;
    expect((await read())?.release_id).toBe(releases.b);
  });

  it('readers racing many moves always see one whole release, never a mix', async () => {
    const whole = new Map<string, number>();
    for (const id of [releases.a, releases.b]) {
      const [row] = await store.db.query<{ revisions: number }>('SELECT sum(revision)::int AS revisions FROM release_items WHERE release_id = $1', [id]);
      whole.set(id, row?.revisions ?? -1);
    }
    let stop = false;
    const seen: Array<{ release_id: string; n: number; revisions: number } | undefined> = [];
    const readers = Array.from({ length: 3 }, async () => {
      while (!stop) seen.push(await read());
    });
    for (let i = 0; i < 20; i++) {
      const to = i % 2 === 0 ? releases.a : releases.b;
      await store.releases.point({ environment: 'production', releaseId: to, actor: 't', action: 'promote', workflowId: null, reason: null });
    }
    stop = true;
    await Promise.all(readers);
    expect(seen.length).toBeGreaterThan(0);
    for (const row of seen) {
      expect(row?.n).toBe(200);
      expect(row?.revisions).toBe(whole.get(row?.release_id ?? ''));
    }
  });
});
