import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRESHNESS_REVIEWER, freshnessCutoff } from '../../src/domain/freshness.js';
import { openDb, openStore, type Db, type Store } from '../../src/store/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { seedSynth, withLastReviewed } from '../helpers/search-fixtures.js';

// The freshness sweep's store write on both databases: an approved article whose newer of
// revision.lastReviewed (current revision) and reviewed_at (UTC day) is before the cutoff goes back to
// pending; everything else is left exactly as it was; a sweep id sweeps once.

const CUTOFF = '2024-06-01';
const MAX_AGE_DAYS = 30;

/** How each seeded article starts: its current revision's lastReviewed, its reviewed_at and state. */
type Setup = { lastReviewed: string | null; reviewedAt: string | null; state: 'approved' | 'pending' | 'rejected' };

const SETUPS = {
  oldBoth: { lastReviewed: '2023-01-10', reviewedAt: '2023-01-10T12:00:00Z', state: 'approved' },
  dayBefore: { lastReviewed: '2024-05-31', reviewedAt: null, state: 'approved' },
  onCutoff: { lastReviewed: CUTOFF, reviewedAt: null, state: 'approved' },
  editorApproved: { lastReviewed: '2020-01-01', reviewedAt: null, state: 'approved' },
  pending: { lastReviewed: '2020-01-01', reviewedAt: '2020-01-01T00:00:00Z', state: 'pending' },
  rejected: { lastReviewed: '2020-01-01', reviewedAt: '2020-01-01T00:00:00Z', state: 'rejected' },
  undated: { lastReviewed: null, reviewedAt: null, state: 'approved' },
  undatedPending: { lastReviewed: null, reviewedAt: null, state: 'pending' },
  onlyReviewedAtOld: { lastReviewed: null, reviewedAt: '2020-01-01T00:00:00Z', state: 'approved' },
  // 23:30 on May 31 at UTC-2 is June 1 in UTC: fresh. 01:30 on June 1 at UTC+2 is May 31 in UTC: stale.
  reviewedAtUtcFresh: { lastReviewed: null, reviewedAt: '2024-05-31T23:30:00-02:00', state: 'approved' },
  reviewedAtUtcStale: { lastReviewed: null, reviewedAt: '2024-06-01T01:30:00+02:00', state: 'approved' },
  futureReview: { lastReviewed: '2024-07-01', reviewedAt: null, state: 'approved' },
  // Revision 1 was reviewed recently, revision 2 (current) says 2019: the current revision decides.
  currentRevisionOld: { lastReviewed: '2019-03-03', reviewedAt: null, state: 'approved' },
  // Later edited on a fresh date, used to make an article stale between two calls of one sweep.
  laterStale: { lastReviewed: '2024-08-01', reviewedAt: null, state: 'approved' },
} satisfies Record<string, Setup>;

type Name = keyof typeof SETUPS;
const NAMES = Object.keys(SETUPS) as Name[];
const STALE: Name[] = ['oldBoth', 'dayBefore', 'onlyReviewedAtOld', 'reviewedAtUtcStale', 'currentRevisionOld'];

type Row = { source_id: string; review_state: string; reviewed_by: string | null; reviewed_at: string | null; current_revision: number };

for (const backend of backends()) {
  describe(`freshness sweep store on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    const ids = {} as Record<Name, string>;
    let before: Map<string, Row>;

    const rows = async (): Promise<Map<string, Row>> => {
      const list = await store.db.query<Row>(
        `SELECT source_id, review_state, reviewed_by, reviewed_at::text AS reviewed_at, current_revision FROM articles ORDER BY source_id`,
      );
      return new Map(list.map((r) => [r.source_id, r]));
    };
    const idsOf = (names: Name[]) => names.map((n) => ids[n]).sort();
    const sweep = (sweepId: string, cutoff = CUTOFF) =>
      store.freshness.sweep({ sweepId, cutoff, maxAgeDays: MAX_AGE_DAYS, requestedBy: 'tester', reviewer: FRESHNESS_REVIEWER });

    beforeAll(async () => {
      database = await backend.create();
      store = await openStore(database.config);
      for (const [index, name] of NAMES.entries()) {
        const setup: Setup = SETUPS[name];
        if (name === 'currentRevisionOld') await seedSynth(store.db, { from: index, count: 1, edit: (a) => withLastReviewed(a, '2025-01-01') });
        const [article] = await seedSynth(store.db, { from: index, count: 1, edit: (a) => withLastReviewed(a, setup.lastReviewed) });
        ids[name] = article!.sourceId;
        await store.db.query(`UPDATE articles SET review_state = $2, reviewed_at = $3::timestamptz, reviewed_by = $4 WHERE source_id = $1`, [
          article!.sourceId,
          setup.state,
          setup.reviewedAt,
          setup.reviewedAt === null ? null : 'editor',
        ]);
      }
      // An editor re-approves an article whose content says 2020: their approval (now) restarts its clock.
      expect(await store.articles.setReviewState([ids.editorApproved], 'approved', 'ed')).toEqual([ids.editorApproved]);
      before = await rows();
    });
    afterAll(async () => {
      await store?.close();
      await database?.cleanup();
    });

    it('seeds what the cases rely on: distinct articles, two revisions for the edited one, approved by an editor today', async () => {
      expect(new Set(Object.values(ids)).size).toBe(NAMES.length);
      expect(before.get(ids.currentRevisionOld)?.current_revision).toBe(2);
      expect(before.get(ids.editorApproved)).toMatchObject({ review_state: 'approved', reviewed_by: 'ed' });
      expect(before.get(ids.undated)).toMatchObject({ review_state: 'approved', reviewed_at: null });
      const [count] = await store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM freshness_sweeps`);
      expect(count?.n).toBe(0);
    });

    it('moves stale approved articles to pending as the freshness sweep, and leaves every other article as it was', async () => {
      const result = await sweep('sweep-a');
      expect(result.sourceIds).toEqual(idsOf(STALE));
      // Approved with no date at all, after the sweep: only the approved one, never the pending one.
      expect(result.undated).toBe(1);

      const after = await rows();
      for (const name of NAMES) {
        const id = ids[name];
        if (STALE.includes(name)) {
          expect(after.get(id), name).toMatchObject({ review_state: 'pending', reviewed_by: FRESHNESS_REVIEWER });
          expect(after.get(id)?.reviewed_at, name).not.toBeNull();
          expect(after.get(id)?.reviewed_at, name).not.toBe(before.get(id)?.reviewed_at);
        } else {
          expect(after.get(id), name).toEqual(before.get(id));
        }
      }
      // Spelled out: the cutoff day itself is fresh, an editor's approval wins over old content, and
      // pending and rejected articles are not the sweep's business.
      expect(after.get(ids.onCutoff)?.review_state).toBe('approved');
      expect(after.get(ids.editorApproved)).toMatchObject({ review_state: 'approved', reviewed_by: 'ed' });
      expect(after.get(ids.pending)).toMatchObject({ review_state: 'pending', reviewed_by: 'editor' });
      expect(after.get(ids.rejected)).toMatchObject({ review_state: 'rejected', reviewed_by: 'editor' });
      expect(after.get(ids.undated)).toMatchObject({ review_state: 'approved', reviewed_at: null });

      const recorded = await store.db.query<{ requested_by: string; max_age_days: number; cutoff: string; source_ids: string[] }>(
        `SELECT requested_by, max_age_days, cutoff::text AS cutoff, source_ids FROM freshness_sweeps WHERE sweep_id = 'sweep-a'`,
      );
      expect(recorded).toEqual([{ requested_by: 'tester', max_age_days: MAX_AGE_DAYS, cutoff: CUTOFF, source_ids: idsOf(STALE) }]);
    });

    it('a second call with the same sweep id reports the same articles and changes nothing, even when another article became stale', async () => {
      // laterStale gets a new revision that says 2021: it would be stale for any new sweep.
      const index = NAMES.indexOf('laterStale');
      await seedSynth(store.db, { from: index, count: 1, edit: (a) => withLastReviewed(a, '2021-01-01') });
      const snapshot = await rows();
      expect(snapshot.get(ids.laterStale)).toMatchObject({ review_state: 'approved', current_revision: 2 });

      const again = await sweep('sweep-a');
      expect(again.sourceIds).toEqual(idsOf(STALE));
      // A retry with a later cutoff (a different day) is still the same sweep.
      expect((await sweep('sweep-a', '2030-01-01')).sourceIds).toEqual(idsOf(STALE));
      expect(await rows()).toEqual(snapshot);
      const [count] = await store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM freshness_sweeps WHERE sweep_id = 'sweep-a'`);
      expect(count?.n).toBe(1);
    });

    it('a different sweep id sweeps again: only what became stale since, then nothing, and records an empty sweep', async () => {
      const b = await sweep('sweep-b');
      expect(b.sourceIds).toEqual([ids.laterStale]);
      expect(b.undated).toBe(1);
      expect((await rows()).get(ids.laterStale)).toMatchObject({ review_state: 'pending', reviewed_by: FRESHNESS_REVIEWER });

      const snapshot = await rows();
      const c = await sweep('sweep-c');
      expect(c).toEqual({ sourceIds: [], undated: 1 });
      expect(await rows()).toEqual(snapshot);
      const recorded = await store.db.query<{ sweep_id: string; source_ids: string[] }>(`SELECT sweep_id, source_ids FROM freshness_sweeps ORDER BY sweep_id`);
      expect(recorded).toEqual([
        { sweep_id: 'sweep-a', source_ids: idsOf(STALE) },
        { sweep_id: 'sweep-b', source_ids: [ids.laterStale] },
        { sweep_id: 'sweep-c', source_ids: [] },
      ]);
    });

    it('a later cutoff catches the articles that were fresh, but not undated ones or the editor-approved one reviewed today', async () => {
      const today = freshnessCutoff(new Date(), 0);
      const d = await sweep('sweep-d', today);
      expect(d.sourceIds).toEqual(idsOf(['onCutoff', 'reviewedAtUtcFresh', 'futureReview']));
      expect(d.undated).toBe(1);
      const after = await rows();
      expect(after.get(ids.editorApproved)).toMatchObject({ review_state: 'approved', reviewed_by: 'ed' });
      expect(after.get(ids.undated)?.review_state).toBe('approved');
    });

    it('two attempts of one sweep at once (a timed-out attempt beside its retry) both report what it swept', async () => {
      // Approved again and stale: the attempts race for the same articles. Without the per-sweep lock the
      // second statement saw no record yet, found the articles already pending and reported none.
      await store.db.query(`UPDATE articles SET review_state = 'approved', reviewed_at = NULL WHERE source_id = ANY($1::text[])`, [
        idsOf(['dayBefore', 'currentRevisionOld']),
      ]);
      // On PostgreSQL another connection holds the articles' rows first, so both attempts are under way
      // (past their check for a record) before either can write. PGlite has one connection: they queue anyway.
      let release = () => {};
      let blocker: Db | undefined;
      let holding: Promise<void> = Promise.resolve();
      if (backend.name === 'postgres') {
        blocker = await openDb(database.config);
        const held = new Promise<void>((resolve) => (release = resolve));
        let locked = () => {};
        const isLocked = new Promise<void>((resolve) => (locked = resolve));
        holding = blocker.transaction(async (q) => {
          await q.query('SELECT 1 FROM articles WHERE source_id = ANY($1::text[]) FOR UPDATE', [idsOf(['dayBefore', 'currentRevisionOld'])]);
          locked();
          await held;
        });
        await isLocked;
      }
      const attempts = Promise.all([sweep('sweep-race'), sweep('sweep-race')]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      await holding;
      await blocker?.close();
      const [one, two] = await attempts;
      expect(one.sourceIds).toEqual(idsOf(['dayBefore', 'currentRevisionOld']));
      expect(two).toEqual(one);
      const [count] = await store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM freshness_sweeps WHERE sweep_id = 'sweep-race'`);
      expect(count?.n).toBe(1);
    });
  });
}
