import { ErrorType, PressroomError } from '../domain/errors.js';
import type { CheckSubject } from '../domain/release/checks.js';
import type { ChangeKind, ManifestChange } from '../domain/release/diff.js';
import { ReleaseInProgressError, ReleaseNotFoundError } from '../domain/release/errors.js';
import {
  DIFF_SAMPLE,
  RELEASE_STATUSES,
  type CheckReport,
  type Environment,
  type ManifestEntry,
  type PointerMove,
  type ReleaseDecision,
  type ReleaseDiff,
  type ReleasePlan,
  type ReleaseStatus,
} from '../domain/release/model.js';
import { nextTag, tagDay } from '../domain/release/tag.js';
import { sqlState, type Db, type Queryable } from './db.js';

// Releases, environments, the audit trail and the release lock. Every write over a release's articles
// is one set-based statement (INSERT ... SELECT, a FULL JOIN for the diff): 5,000 articles cost one
// round trip, never one per row. An environment's pointer moves in one transaction with its audit
// entry, and the site reads through that pointer in one statement, so no reader sees half a release.

export type ReleaseKind = 'release' | 'rollback';

export type ReleaseSummary = {
  id: string;
  kind: ReleaseKind;
  status: ReleaseStatus;
  tag: string | null;
  manifestHash: string;
  baseRelease: string | null;
  workflowId: string | null;
  requestedBy: string | null;
  articles: number;
  diff: ReleaseDiff;
  reason: string | null;
  /** For a rollback: the release whose content it restores. */
  target: string | null;
  createdAt: string;
  finishedAt: string | null;
};

export type AuditEntry = {
  id: number;
  at: string;
  actor: string;
  action: string;
  environment: Environment;
  from: string | null;
  to: string | null;
  fromHash: string | null;
  toHash: string | null;
  workflowId: string | null;
  reason: string | null;
};

export type ReleaseDetail = ReleaseSummary & {
  checks: CheckReport | null;
  changelog: string | null;
  decision: ReleaseDecision | null;
  /** The environments pointing at it now. */
  liveIn: Environment[];
  items: { total: number; limit: number; offset: number; entries: ManifestEntry[] };
  audit: AuditEntry[];
};

export type EnvironmentState = { name: Environment; releaseId: string | null; tag: string | null; manifestHash: string | null; updatedAt: string };

/** Turns a candidate (its manifest hash and the release it replaces) into a release id; src/release hashes it. */
export type IdentifyCandidate = (candidate: { manifestHash: string; base: string | null }) => string;
export type IdentifyRollback = (rollback: { target: string; base: string }) => string;

const TERMINAL: readonly ReleaseStatus[] = ['live', 'rejected', 'abandoned', 'failed', 'rolled-back'];
/** How often tagging retries when another release took the same tag between read and write. */
const TAG_ATTEMPTS = 10;

const iso = (value: unknown): string => (value instanceof Date ? value : new Date(String(value))).toISOString();
const isoOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : iso(value));

type ReleaseRowRaw = {
  id: string;
  kind: ReleaseKind;
  status: ReleaseStatus;
  tag: string | null;
  manifest_hash: string;
  base_release: string | null;
  workflow_id: string | null;
  requested_by: string | null;
  articles: number;
  diff: ReleaseDiff;
  reason: string | null;
  target: string | null;
  created_at: unknown;
  finished_at: unknown;
};

const SUMMARY_COLUMNS =
  'id, kind, status, tag, manifest_hash, base_release, workflow_id, requested_by, articles, diff, reason, target, created_at, finished_at';

function summaryOf(row: ReleaseRowRaw): ReleaseSummary {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    tag: row.tag,
    manifestHash: row.manifest_hash,
    baseRelease: row.base_release,
    workflowId: row.workflow_id,
    requestedBy: row.requested_by,
    articles: row.articles,
    diff: row.diff,
    reason: row.reason,
    target: row.target,
    createdAt: iso(row.created_at),
    finishedAt: isoOrNull(row.finished_at),
  };
}

function planOf(row: Pick<ReleaseRowRaw, 'id' | 'manifest_hash' | 'base_release' | 'articles' | 'diff'>): ReleasePlan {
  return { releaseId: row.id, manifestHash: row.manifest_hash, baseRelease: row.base_release, articles: row.articles, diff: row.diff };
}

type AuditRaw = {
  id: number;
  at: unknown;
  actor: string;
  action: string;
  environment: Environment;
  from_release: string | null;
  to_release: string | null;
  from_hash: string | null;
  to_hash: string | null;
  workflow_id: string | null;
  reason: string | null;
};

function auditOf(row: AuditRaw): AuditEntry {
  return {
    id: row.id,
    at: iso(row.at),
    actor: row.actor,
    action: row.action,
    environment: row.environment,
    from: row.from_release,
    to: row.to_release,
    fromHash: row.from_hash,
    toHash: row.to_hash,
    workflowId: row.workflow_id,
    reason: row.reason,
  };
}

/**
 * The candidate's articles ($1: the release it builds on, null for none; $2: the source ids to take, null
 * for every approved article): production's manifest, with each approved article's current revision
 * replacing or adding its entry. Evaluated twice in one REPEATABLE READ transaction (hash, then insert),
 * so both see the same snapshot.
 */
const CANDIDATE = `
  SELECT m.source_id, m.revision, a.slug, r.article->>'title' AS title, r.content_hash
    FROM (SELECT COALESCE(f.source_id, p.source_id) AS source_id, COALESCE(f.revision, p.revision) AS revision
            FROM (SELECT source_id, revision FROM release_items WHERE release_id = $1) p
            FULL JOIN (SELECT source_id, current_revision AS revision FROM articles
                        WHERE review_state = 'approved' AND ($2::text[] IS NULL OR source_id = ANY($2::text[]))) f USING (source_id)) m
    JOIN articles a ON a.source_id = m.source_id
    JOIN article_revisions r ON r.source_id = m.source_id AND r.revision = m.revision`;

/** sha256 of the manifest's canonical text (src/domain/release/identity.ts manifestText), computed where the rows are. */
const MANIFEST_HASH = `encode(sha256(convert_to(COALESCE(string_agg(source_id || ' ' || revision || ' ' || content_hash || E'\\n', '' ORDER BY source_id COLLATE "C"), ''), 'UTF8')), 'hex')`;

/** Every article that differs between release $1 (after) and release $2 (before; null: nothing), by source id. */
const CHANGES = `
  SELECT CASE WHEN b.revision IS NULL THEN 'added' WHEN c.revision IS NULL THEN 'removed' ELSE 'updated' END AS kind,
         source_id, COALESCE(c.slug, b.slug) AS slug, COALESCE(c.title, b.title) AS title,
         b.revision AS from_revision, c.revision AS to_revision, c.content_hash
    FROM (SELECT source_id, revision, slug, title, content_hash FROM release_items WHERE release_id = $1) c
    FULL JOIN (SELECT source_id, revision, slug, title FROM release_items WHERE release_id = $2) b USING (source_id)
   WHERE c.revision IS DISTINCT FROM b.revision`;

async function diffBetween(q: Queryable, releaseId: string, base: string | null): Promise<ReleaseDiff> {
  const rows = await q.query<{ kind: ChangeKind; n: number; sample: string[] }>(
    `SELECT kind, count(*)::int AS n, (array_agg(source_id ORDER BY source_id COLLATE "C"))[1:$3] AS sample FROM (${CHANGES}) d GROUP BY kind`,
    [releaseId, base, DIFF_SAMPLE],
  );
  const diff: ReleaseDiff = { added: 0, updated: 0, removed: 0, sample: { added: [], updated: [], removed: [] } };
  for (const row of rows) {
    diff[row.kind] = row.n;
    diff.sample[row.kind] = row.sample;
  }
  return diff;
}

async function environmentRow(q: Queryable, name: Environment, lock = false): Promise<{ release_id: string | null; manifest_hash: string | null }> {
  const [row] = await q.query<{ release_id: string | null; manifest_hash: string | null }>(
    `SELECT e.release_id, r.manifest_hash FROM environments e LEFT JOIN releases r ON r.id = e.release_id WHERE e.name = $1 ${lock ? 'FOR UPDATE OF e' : ''}`,
    [name],
  );
  if (!row) throw new PressroomError(ErrorType.Unexpected, `the environments table has no ${name} row: migration 6 inserts it`);
  return row;
}

async function releaseRow(q: Queryable, id: string): Promise<ReleaseRowRaw | undefined> {
  const [row] = await q.query<ReleaseRowRaw>(`SELECT ${SUMMARY_COLUMNS} FROM releases WHERE id = $1`, [id]);
  return row;
}

async function requireRelease(q: Queryable, id: string): Promise<ReleaseRowRaw> {
  const row = await releaseRow(q, id);
  if (!row) throw new ReleaseNotFoundError(`no release ${id}: expected the id of a recorded release (pressroom releases lists them)`);
  return row;
}

/**
 * The release production served before `current`: where the last move into it came from. A move back
 * after a failed promotion (`compensate`) is not a release production served on purpose, so it is skipped.
 */
async function previousOf(q: Queryable, environment: Environment, current: string): Promise<string | null> {
  const [row] = await q.query<{ from_release: string | null }>(
    `SELECT from_release FROM audit_log WHERE environment = $1 AND to_release = $2 AND action <> 'compensate' ORDER BY id DESC LIMIT 1`,
    [environment, current],
  );
  return row?.from_release ?? null;
}

async function manifestPage(q: Queryable, releaseId: string, options: { limit: number; offset: number }): Promise<{ total: number; entries: ManifestEntry[] }> {
  const entries = await q.query<ManifestEntry>(
    `SELECT source_id AS "sourceId", revision, slug, title, content_hash AS "contentHash" FROM release_items
      WHERE release_id = $1 ORDER BY source_id COLLATE "C" LIMIT $2 OFFSET $3`,
    [releaseId, options.limit, options.offset],
  );
  const [count] = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM release_items WHERE release_id = $1', [releaseId]);
  return { total: count?.n ?? 0, entries };
}

/**
 * The candidate over production as it is now: its size and manifest hash, without writing anything.
 * ReleaseNotFound when nothing would change; InvalidInput naming every id of `only` that is unknown or not approved.
 */
async function measureCandidate(
  q: Queryable,
  requested: readonly string[] | null,
): Promise<{ production: { release_id: string | null; manifest_hash: string | null }; only: string[] | null; candidate: { n: number; hash: string } }> {
  const production = await environmentRow(q, 'production');
  const only = requested === null ? null : [...new Set(requested)].sort();
  if (only !== null) {
    if (only.length === 0)
      throw new PressroomError(ErrorType.InvalidInput, 'no source ids given: expected at least one, or none at all to release every approved article');
    const states = await q.query<{ source_id: string; review_state: string }>(
      'SELECT source_id, review_state FROM articles WHERE source_id = ANY($1::text[])',
      [only],
    );
    const found = new Map(states.map((s) => [s.source_id, s.review_state]));
    const unknown = only.filter((id) => !found.has(id));
    const unapproved = only.filter((id) => found.has(id) && found.get(id) !== 'approved').map((id) => `${id} (${found.get(id)})`);
    if (unknown.length > 0 || unapproved.length > 0) {
      const parts = [
        unknown.length ? `unknown source ids: ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ` and ${unknown.length - 20} more` : ''}` : '',
        unapproved.length ? `not approved: ${unapproved.slice(0, 20).join(', ')}${unapproved.length > 20 ? ` and ${unapproved.length - 20} more` : ''}` : '',
      ].filter(Boolean);
      throw new PressroomError(
        ErrorType.InvalidInput,
        `cannot release ${parts.join('; ')}: expected ids of stored articles whose current revision is approved (pressroom review approve ID) (not retryable)`,
      );
    }
  }
  const [candidate] = await q.query<{ n: number; hash: string }>(`SELECT count(*)::int AS n, ${MANIFEST_HASH} AS hash FROM (${CANDIDATE}) c`, [
    production.release_id,
    only,
  ]);
  if (!candidate || candidate.n === 0)
    throw new ReleaseNotFoundError('nothing to release: no article is approved (approve some with pressroom review approve)');
  if (candidate.hash === production.manifest_hash) {
    throw new ReleaseNotFoundError(
      `nothing to release: production (${production.release_id}) already serves ${only ? 'the approved revision of every given article' : 'every approved revision'}`,
    );
  }
  return { production, only, candidate };
}

export function createReleaseRepo(db: Queryable) {
  /** Runs fn in a transaction of its own when this repository has the database, else inside the caller's (own: false). */
  const inTransaction = <T>(fn: (q: Queryable, own: boolean) => Promise<T>): Promise<T> =>
    'transaction' in db ? (db as Db).transaction((tx) => fn(tx, true)) : fn(db, false);

  return {
    async environments(): Promise<EnvironmentState[]> {
      const rows = await db.query<{ name: Environment; release_id: string | null; tag: string | null; manifest_hash: string | null; updated_at: unknown }>(
        `SELECT e.name, e.release_id, r.tag, r.manifest_hash, e.updated_at FROM environments e LEFT JOIN releases r ON r.id = e.release_id ORDER BY e.name`,
      );
      return rows.map((r) => ({ name: r.name, releaseId: r.release_id, tag: r.tag, manifestHash: r.manifest_hash, updatedAt: iso(r.updated_at) }));
    },

    /** What `createCandidate` would build now (its id, size and diff counts), writing nothing: how a client names the release it starts. */
    async previewCandidate(input: {
      only: readonly string[] | null;
      identify: IdentifyCandidate;
    }): Promise<{ releaseId: string; manifestHash: string; baseRelease: string | null; articles: number }> {
      return inTransaction(async (q, own) => {
        if (own) await q.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        const { production, candidate } = await measureCandidate(q, input.only);
        return {
          releaseId: input.identify({ manifestHash: candidate.hash, base: production.release_id }),
          manifestHash: candidate.hash,
          baseRelease: production.release_id,
          articles: candidate.n,
        };
      });
    },

    /**
     * Builds the candidate and records it as a release, or finds the release already built from the same
     * candidate (the same manifest over the same production). ReleaseNotFound when nothing would change;
     * InvalidInput naming every id of `only` that is unknown or not approved.
     */
    async createCandidate(input: {
      only: readonly string[] | null;
      workflowId: string;
      requestedBy: string;
      identify: IdentifyCandidate;
    }): Promise<{ plan: ReleasePlan; created: boolean }> {
      return inTransaction(async (q, own) => {
        // The candidate is read twice (hashed, then inserted): one snapshot for both.
        if (own) await q.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        const { production, only, candidate } = await measureCandidate(q, input.only);
        const id = input.identify({ manifestHash: candidate.hash, base: production.release_id });
        const existing = await releaseRow(q, id);
        if (existing) {
          // Triggered again after it was rejected, abandoned or failed (and compensated): the same release runs again.
          await q.query(
            `UPDATE releases SET status = 'running', workflow_id = $2, requested_by = $3, reason = NULL, checks = NULL, decision = NULL, finished_at = NULL
              WHERE id = $1 AND status IN ('rejected', 'abandoned', 'failed')`,
            [id, input.workflowId, input.requestedBy],
          );
          return { plan: planOf(existing), created: false };
        }
        const inserted = await q.query(
          `INSERT INTO releases (id, kind, status, manifest_hash, base_release, workflow_id, requested_by, articles, diff)
           VALUES ($1, 'release', 'running', $2, $3, $4, $5, $6, '{}'::jsonb) ON CONFLICT (id) DO NOTHING RETURNING id`,
          [id, candidate.hash, production.release_id, input.workflowId, input.requestedBy, candidate.n],
        );
        if (inserted.length === 0) return { plan: planOf(await requireRelease(q, id)), created: false };
        await q.query(
          `INSERT INTO release_items (release_id, source_id, revision, slug, title, content_hash)
           SELECT $3, source_id, revision, slug, title, content_hash FROM (${CANDIDATE}) c`,
          [production.release_id, only, id],
        );
        const diff = await diffBetween(q, id, production.release_id);
        await q.query('UPDATE releases SET diff = $2 WHERE id = $1', [id, JSON.stringify(diff)]);
        return { plan: { releaseId: id, manifestHash: candidate.hash, baseRelease: production.release_id, articles: candidate.n, diff }, created: true };
      });
    },

    /**
     * The release production served before the current one (or `target`, checked), and a rollback
     * record whose manifest is the target's, built on the current release; found again when it exists.
     */
    async createRollback(input: {
      target: string | null;
      workflowId: string;
      requestedBy: string;
      identify: IdentifyRollback;
    }): Promise<{ plan: ReleasePlan & { target: string }; created: boolean }> {
      return inTransaction(async (q) => {
        const production = await environmentRow(q, 'production');
        const current = production.release_id;
        if (current === null) throw new ReleaseNotFoundError('nothing to roll back: production has never had a release');
        const target = input.target ?? (await previousOf(q, 'production', current));
        if (target === null) throw new ReleaseNotFoundError(`nothing to roll back to: production's release ${current} is the first it ever served`);
        const targetRow = await requireRelease(q, target);
        if (target === current) {
          throw new PressroomError(ErrorType.InvalidInput, `cannot roll back to ${target}: production already serves it (expected an earlier release)`);
        }
        const id = input.identify({ target, base: current });
        const existing = await releaseRow(q, id);
        if (existing) return { plan: { ...planOf(existing), target }, created: false };
        const inserted = await q.query(
          `INSERT INTO releases (id, kind, status, manifest_hash, base_release, workflow_id, requested_by, articles, diff, target)
           VALUES ($1, 'rollback', 'running', $2, $3, $4, $5, $6, '{}'::jsonb, $7) ON CONFLICT (id) DO NOTHING RETURNING id`,
          [id, targetRow.manifest_hash, current, input.workflowId, input.requestedBy, targetRow.articles, target],
        );
        if (inserted.length === 0) return { plan: { ...planOf(await requireRelease(q, id)), target }, created: false };
        await q.query(
          `INSERT INTO release_items (release_id, source_id, revision, slug, title, content_hash)
           SELECT $1, source_id, revision, slug, title, content_hash FROM release_items WHERE release_id = $2`,
          [id, target],
        );
        const diff = await diffBetween(q, id, current);
        await q.query('UPDATE releases SET diff = $2 WHERE id = $1', [id, JSON.stringify(diff)]);
        return {
          plan: { releaseId: id, manifestHash: targetRow.manifest_hash, baseRelease: current, articles: targetRow.articles, diff, target },
          created: true,
        };
      });
    },

    /** The diff between any two releases ($2 null: against nothing), computed in the database. */
    diff(releaseId: string, previous: string | null): Promise<ReleaseDiff> {
      return diffBetween(db, releaseId, previous);
    },

    /** The articles that differ between two releases, in source-id order; `perKind` caps each kind's list (changelogs). */
    async changes(releaseId: string, previous: string | null, options: { perKind?: number } = {}): Promise<ManifestChange[]> {
      const capped = options.perKind !== undefined;
      const rows = await db.query<{
        kind: ChangeKind;
        source_id: string;
        slug: string;
        title: string;
        from_revision: number | null;
        to_revision: number | null;
        content_hash: string | null;
      }>(
        capped
          ? `SELECT * FROM (SELECT d.*, row_number() OVER (PARTITION BY kind ORDER BY source_id COLLATE "C") AS n FROM (${CHANGES}) d) x
              WHERE n <= $3 ORDER BY source_id COLLATE "C"`
          : `SELECT * FROM (${CHANGES}) d ORDER BY source_id COLLATE "C"`,
        capped ? [releaseId, previous, options.perKind] : [releaseId, previous],
      );
      return rows.map((r) => ({
        kind: r.kind,
        sourceId: r.source_id,
        slug: r.slug,
        title: r.title,
        from: r.from_revision,
        to: r.to_revision,
        contentHash: r.content_hash,
      }));
    },

    /**
     * One page of a release's revisions as the checks read them, after source id `after` (keyset paging),
     * with the review evidence for that exact revision: approved now (the article's review state is about
     * its current revision), by whom, and whether the release it was built on already published it.
     */
    async checkSubjects(releaseId: string, after: string | null, limit: number): Promise<CheckSubject[]> {
      const rows = await db.query<{
        source_id: string;
        revision: number;
        article: CheckSubject['article'];
        approved: boolean;
        by: string | null;
        published: boolean;
      }>(
        `SELECT i.source_id, i.revision, r.article,
                (a.review_state = 'approved' AND a.current_revision = i.revision) AS approved,
                CASE WHEN a.current_revision = i.revision THEN a.reviewed_by END AS by,
                EXISTS (SELECT 1 FROM release_items p WHERE p.release_id = rel.base_release AND p.source_id = i.source_id AND p.revision = i.revision) AS published
           FROM release_items i
           JOIN releases rel ON rel.id = i.release_id
           JOIN article_revisions r ON r.source_id = i.source_id AND r.revision = i.revision
           JOIN articles a ON a.source_id = i.source_id
          WHERE i.release_id = $1 AND ($2::text IS NULL OR i.source_id > $2)
          ORDER BY i.source_id LIMIT $3`,
        [releaseId, after, limit],
      );
      return rows.map((r) => ({
        sourceId: r.source_id,
        revision: r.revision,
        article: r.article,
        review: { approved: r.approved, by: r.by, published: r.published },
      }));
    },

    /** A page of a release's manifest in source-id order. */
    manifest(releaseId: string, options: { limit: number; offset: number }): Promise<{ total: number; entries: ManifestEntry[] }> {
      return manifestPage(db, releaseId, options);
    },

    /**
     * Points an environment at a release: the UPDATE and its audit entry (who, when, from, to, the
     * manifest hashes before and after) in ONE transaction. Pointing where it already points writes
     * nothing and reports the move that put it there, so a retried activity returns what the first did.
     * Rolling production back marks the release it leaves `rolled-back`.
     */
    async point(input: {
      environment: Environment;
      releaseId: string;
      actor: string;
      action: string;
      workflowId: string | null;
      reason: string | null;
    }): Promise<PointerMove & { moved: boolean }> {
      return inTransaction(async (q) => {
        const current = await environmentRow(q, input.environment, true);
        const target = await requireRelease(q, input.releaseId);
        if (current.release_id === input.releaseId) {
          const [last] = await q.query<{ from_release: string | null }>(
            'SELECT from_release FROM audit_log WHERE environment = $1 AND to_release = $2 ORDER BY id DESC LIMIT 1',
            [input.environment, input.releaseId],
          );
          return { environment: input.environment, from: last?.from_release ?? null, to: input.releaseId, moved: false };
        }
        await q.query('UPDATE environments SET release_id = $2, updated_at = now() WHERE name = $1', [input.environment, input.releaseId]);
        await q.query(
          `INSERT INTO audit_log (actor, action, environment, from_release, to_release, from_hash, to_hash, workflow_id, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            input.actor,
            input.action,
            input.environment,
            current.release_id,
            input.releaseId,
            current.manifest_hash,
            target.manifest_hash,
            input.workflowId,
            input.reason,
          ],
        );
        if (input.action === 'rollback' && input.environment === 'production' && current.release_id !== null) {
          await q.query(`UPDATE releases SET status = 'rolled-back' WHERE id = $1 AND status = 'live'`, [current.release_id]);
        }
        return { environment: input.environment, from: current.release_id, to: input.releaseId, moved: true };
      });
    },

    /** The release production served before its current one (the default rollback target), or null. */
    async rollbackTarget(): Promise<{ current: string | null; target: string | null }> {
      const production = await environmentRow(db, 'production');
      if (production.release_id === null) return { current: null, target: null };
      return { current: production.release_id, target: await previousOf(db, 'production', production.release_id) };
    },

    /**
     * Takes the one release lock for `holder` (a workflow id). The same holder taking it again is fine;
     * another holder gets ReleaseInProgress naming the holder and its release.
     */
    async acquireLock(holder: string): Promise<void> {
      // The holder may let go between our insert and our read: then try again, a few times.
      for (let attempt = 0; attempt < 3; attempt++) {
        const taken = await db.query(
          `INSERT INTO release_lock (singleton, holder) VALUES (true, $1)
           ON CONFLICT (singleton) DO UPDATE SET holder = EXCLUDED.holder WHERE release_lock.holder = EXCLUDED.holder RETURNING holder`,
          [holder],
        );
        if (taken.length === 1) return;
        const [held] = await db.query<{ holder: string; release_id: string | null; taken_at: unknown }>(
          'SELECT holder, release_id, taken_at FROM release_lock',
        );
        if (held) throw new ReleaseInProgressError(held.holder, held.release_id, iso(held.taken_at));
      }
      throw new PressroomError(ErrorType.DatabaseUnavailable, `the release lock changed hands three times while ${holder} tried to take it (retryable)`);
    },

    /**
     * Takes the lock away from `holder` (whose workflow no longer runs) and marks the release it was
     * working on failed with `reason`. False when `holder` no longer held it.
     */
    async breakLock(holder: string, reason: string): Promise<boolean> {
      return inTransaction(async (q) => {
        const [gone] = await q.query<{ release_id: string | null }>('DELETE FROM release_lock WHERE holder = $1 RETURNING release_id', [holder]);
        if (!gone) return false;
        if (gone.release_id)
          await q.query(
            `UPDATE releases SET status = 'failed', reason = $2, finished_at = now() WHERE id = $1 AND status IN ('running', 'awaiting-approval')`,
            [gone.release_id, reason],
          );
        return true;
      });
    },

    /** Names the release the lock's holder is working on, for the message another starter gets. */
    async lockRelease(holder: string, releaseId: string): Promise<void> {
      await db.query('UPDATE release_lock SET release_id = $2 WHERE holder = $1', [holder, releaseId]);
    },

    /** Lets go of the lock if `holder` has it; true when it did. */
    async releaseLock(holder: string): Promise<boolean> {
      return (await db.query('DELETE FROM release_lock WHERE holder = $1 RETURNING holder', [holder])).length === 1;
    },

    async lockHolder(): Promise<{ holder: string; releaseId: string | null; takenAt: string } | null> {
      const [held] = await db.query<{ holder: string; release_id: string | null; taken_at: unknown }>('SELECT holder, release_id, taken_at FROM release_lock');
      return held ? { holder: held.holder, releaseId: held.release_id, takenAt: iso(held.taken_at) } : null;
    },

    /**
     * Gives a release its YYYY.MM.DD-N tag for the day of `at` (default: the database's now, UTC), once:
     * a release already tagged keeps its tag. Two releases tagging at once race on the UNIQUE constraint;
     * the loser reads the day's tags again and takes the next number.
     */
    async tag(releaseId: string, options: { at?: Date } = {}): Promise<{ tag: string; created: boolean }> {
      for (let attempt = 1; ; attempt++) {
        const row = await requireRelease(db, releaseId);
        if (row.tag !== null) return { tag: row.tag, created: false };
        const at = options.at ?? new Date(iso((await db.query<{ now: unknown }>('SELECT now() AS now'))[0]?.now));
        const existing = await db.query<{ tag: string }>('SELECT tag FROM releases WHERE tag LIKE $1', [`${tagDay(at)}-%`]);
        const tag = nextTag(
          at,
          existing.map((r) => r.tag),
        );
        try {
          const updated = await db.query('UPDATE releases SET tag = $2 WHERE id = $1 AND tag IS NULL RETURNING tag', [releaseId, tag]);
          if (updated.length === 1) return { tag, created: true };
        } catch (error) {
          if (sqlState(error) !== '23505' || attempt >= TAG_ATTEMPTS) throw error;
        }
      }
    },

    async setChangelog(releaseId: string, changelog: string): Promise<void> {
      await db.query('UPDATE releases SET changelog = $2 WHERE id = $1', [releaseId, changelog]);
    },

    async setChecks(releaseId: string, checks: CheckReport): Promise<void> {
      const updated = await db.query('UPDATE releases SET checks = $2 WHERE id = $1 RETURNING id', [releaseId, JSON.stringify(checks)]);
      if (updated.length === 0) await requireRelease(db, releaseId);
    },

    /** Records a release's status (and, when given, its checks, decision and why it ended); a terminal status stamps finished_at. */
    async recordOutcome(input: {
      releaseId: string;
      status: ReleaseStatus;
      checks?: CheckReport | null;
      decision?: ReleaseDecision | null;
      reason?: string | null;
    }): Promise<void> {
      if (!RELEASE_STATUSES.includes(input.status)) {
        throw new PressroomError(ErrorType.InvalidInput, `expected a release status of ${RELEASE_STATUSES.join(', ')}, got ${JSON.stringify(input.status)}`);
      }
      const updated = await db.query(
        `UPDATE releases SET status = $2, checks = COALESCE($3::jsonb, checks), decision = COALESCE($4::jsonb, decision), reason = COALESCE($5, reason),
                finished_at = CASE WHEN $6::boolean THEN COALESCE(finished_at, now()) END
          WHERE id = $1 RETURNING id`,
        [
          input.releaseId,
          input.status,
          input.checks ? JSON.stringify(input.checks) : null,
          input.decision ? JSON.stringify(input.decision) : null,
          input.reason ?? null,
          TERMINAL.includes(input.status),
        ],
      );
      if (updated.length === 0) await requireRelease(db, input.releaseId);
    },

    /** The release history, newest first. */
    async list(options: { limit: number; offset: number; kind?: ReleaseKind }): Promise<{ total: number; items: ReleaseSummary[] }> {
      const where = options.kind ? 'WHERE kind = $3' : '';
      const rows = await db.query<ReleaseRowRaw>(
        `SELECT ${SUMMARY_COLUMNS} FROM releases ${where} ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
        options.kind ? [options.limit, options.offset, options.kind] : [options.limit, options.offset],
      );
      const [count] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM releases ${options.kind ? 'WHERE kind = $1' : ''}`,
        options.kind ? [options.kind] : [],
      );
      return { total: count?.n ?? 0, items: rows.map(summaryOf) };
    },

    async summary(id: string): Promise<ReleaseSummary | undefined> {
      const row = await releaseRow(db, id);
      return row ? summaryOf(row) : undefined;
    },

    /** One release with a page of its manifest, its checks, changelog, decision and every audit entry naming it. */
    async get(id: string, page: { limit: number; offset: number } = { limit: 100, offset: 0 }): Promise<ReleaseDetail | undefined> {
      const [row] = await db.query<ReleaseRowRaw & { checks: CheckReport | null; changelog: string | null; decision: ReleaseDecision | null }>(
        `SELECT ${SUMMARY_COLUMNS}, checks, changelog, decision FROM releases WHERE id = $1`,
        [id],
      );
      if (!row) return undefined;
      const items = await manifestPage(db, id, page);
      const audit = await db.query<AuditRaw>('SELECT * FROM audit_log WHERE from_release = $1 OR to_release = $1 ORDER BY id', [id]);
      const live = await db.query<{ name: Environment }>('SELECT name FROM environments WHERE release_id = $1 ORDER BY name', [id]);
      return {
        ...summaryOf(row),
        checks: row.checks,
        changelog: row.changelog,
        decision: row.decision,
        liveIn: live.map((l) => l.name),
        items: { ...items, limit: page.limit, offset: page.offset },
        audit: audit.map(auditOf),
      };
    },

    /** The audit trail, newest first. */
    async audit(options: { limit: number; offset: number; environment?: Environment }): Promise<{ total: number; entries: AuditEntry[] }> {
      const where = options.environment ? 'WHERE environment = $3' : '';
      const rows = await db.query<AuditRaw>(
        `SELECT * FROM audit_log ${where} ORDER BY id DESC LIMIT $1 OFFSET $2`,
        options.environment ? [options.limit, options.offset, options.environment] : [options.limit, options.offset],
      );
      const [count] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_log ${options.environment ? 'WHERE environment = $1' : ''}`,
        options.environment ? [options.environment] : [],
      );
      return { total: count?.n ?? 0, entries: rows.map(auditOf) };
    },
  };
}

export type ReleaseRepo = ReturnType<typeof createReleaseRepo>;
