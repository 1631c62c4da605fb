import type { Article } from '../domain/article/index.js';
import { articleSlug, changedFields } from '../domain/content.js';
import type { Outcome } from '../domain/import/index.js';
import { initialReviewState, type ReviewPolicy, type ReviewState } from '../domain/review.js';
import type { Queryable } from './db.js';

export type ApplyResult = { outcome: Exclude<Outcome, 'rejected'>; revision: number; changedFields: string[] };

type CurrentRow = { current_revision: number; content_hash: string; article: Article };

async function lockCurrent(q: Queryable, sourceId: string): Promise<CurrentRow | undefined> {
  const rows = await q.query<CurrentRow>(
    `SELECT a.current_revision, a.content_hash, r.article
       FROM articles a JOIN article_revisions r ON r.source_id = a.source_id AND r.revision = a.current_revision
      WHERE a.source_id = $1 FOR UPDATE OF a`,
    [sourceId],
  );
  return rows[0];
}

/**
 * Decides created / updated / unchanged by content hash, and writes it: a new article, a new revision
 * beside the old ones, or nothing. Must run inside a transaction. A dry run calls it too, inside a
 * savepoint it rolls back, so the plan meets the same constraints as the real write.
 */
export async function applyArticle(q: Queryable, input: { article: Article; contentHash: string; policy: ReviewPolicy; runId: string }): Promise<ApplyResult> {
  const { article, contentHash, policy, runId } = input;
  let current = await lockCurrent(q, article.sourceId);
  if (!current) {
    // ON CONFLICT: an overlapping import may create the same article concurrently; we then wait
    // for its commit and treat this document as an update of what it wrote.
    const inserted = await q.query(
      `INSERT INTO articles (source_id, slug, title, current_revision, content_hash, review_state)
       VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT (source_id) DO NOTHING RETURNING source_id`,
      [article.sourceId, articleSlug(article), article.title, contentHash, initialReviewState(policy, article)],
    );
    if (inserted.length === 1) {
      await q.query('INSERT INTO article_revisions (source_id, revision, content_hash, article, import_run) VALUES ($1, 1, $2, $3, $4)', [
        article.sourceId,
        contentHash,
        JSON.stringify(article),
        runId,
      ]);
      return { outcome: 'created', revision: 1, changedFields: [] };
    }
    current = await lockCurrent(q, article.sourceId);
    if (!current) throw new Error(`article ${article.sourceId} vanished while being imported`);
  }
  if (current.content_hash === contentHash) return { outcome: 'unchanged', revision: current.current_revision, changedFields: [] };

  const fields = changedFields(current.article, article);
  const existing = await q.query<{ revision: number }>('SELECT revision FROM article_revisions WHERE source_id = $1 AND content_hash = $2', [
    article.sourceId,
    contentHash,
  ]);
  const [{ next } = { next: 1 }] = await q.query<{ next: number }>(
    'SELECT COALESCE(MAX(revision), 0) + 1 AS next FROM article_revisions WHERE source_id = $1',
    [article.sourceId],
  );
  // Content that goes back to an earlier revision points at it again: hashes are unique per article.
  const revision = existing[0]?.revision ?? next;
  if (!existing[0]) {
    await q.query('INSERT INTO article_revisions (source_id, revision, content_hash, article, import_run) VALUES ($1, $2, $3, $4, $5)', [
      article.sourceId,
      revision,
      contentHash,
      JSON.stringify(article),
      runId,
    ]);
  }
  // Changed content goes back through review as the policy says; a reviewer's earlier decision was about other words.
  await q.query(
    `UPDATE articles SET current_revision = $2, content_hash = $3, title = $4, review_state = $5, reviewed_at = NULL, reviewed_by = NULL, updated_at = now()
      WHERE source_id = $1`,
    [article.sourceId, revision, contentHash, article.title, initialReviewState(policy, article)],
  );
  return { outcome: 'updated', revision, changedFields: fields };
}

export type ArticleSummary = {
  sourceId: string;
  slug: string;
  title: string;
  currentRevision: number;
  contentHash: string;
  reviewState: ReviewState;
  updatedAt: string;
};

export type ArticleRevision = { revision: number; contentHash: string; importRun: string | null; createdAt: string; article: Article };

const SUMMARY_COLUMNS = `source_id AS "sourceId", slug, title, current_revision AS "currentRevision", content_hash AS "contentHash",
  review_state AS "reviewState", updated_at AS "updatedAt"`;

export function createArticleRepo(db: Queryable) {
  return {
    async list(options: { limit: number; offset: number; reviewState?: ReviewState }): Promise<{ total: number; articles: ArticleSummary[] }> {
      const where = options.reviewState ? 'WHERE review_state = $3' : '';
      const params: unknown[] = [options.limit, options.offset, ...(options.reviewState ? [options.reviewState] : [])];
      const articles = await db.query<ArticleSummary>(`SELECT ${SUMMARY_COLUMNS} FROM articles ${where} ORDER BY source_id LIMIT $1 OFFSET $2`, params);
      const [count] = await db.query<{ n: number }>(
        `SELECT count(*) AS n FROM articles ${options.reviewState ? 'WHERE review_state = $1' : ''}`,
        options.reviewState ? [options.reviewState] : [],
      );
      return { total: count?.n ?? 0, articles };
    },
    async get(sourceId: string): Promise<(ArticleSummary & { revisions: ArticleRevision[] }) | undefined> {
      const [summary] = await db.query<ArticleSummary>(`SELECT ${SUMMARY_COLUMNS} FROM articles WHERE source_id = $1`, [sourceId]);
      if (!summary) return undefined;
      const revisions = await db.query<ArticleRevision>(
        `SELECT revision, content_hash AS "contentHash", import_run AS "importRun", created_at AS "createdAt", article
           FROM article_revisions WHERE source_id = $1 ORDER BY revision`,
        [sourceId],
      );
      return { ...summary, revisions };
    },
    /** Sets review states; returns the ids that exist (unknown ids are the caller's to report). */
    async setReviewState(sourceIds: readonly string[], state: ReviewState, reviewer: string): Promise<string[]> {
      const rows = await db.query<{ source_id: string }>(
        `UPDATE articles SET review_state = $2, reviewed_at = now(), reviewed_by = $3
          WHERE source_id = ANY($1::text[]) RETURNING source_id`,
        [[...sourceIds], state, reviewer],
      );
      return rows.map((r) => r.source_id).sort();
    },
    /** Every article's id and current content hash: what the crash test compares. */
    async fingerprint(): Promise<Array<{ sourceId: string; contentHash: string; revisions: number }>> {
      return db.query(
        `SELECT a.source_id AS "sourceId", a.content_hash AS "contentHash", count(r.*) AS revisions
           FROM articles a JOIN article_revisions r USING (source_id) GROUP BY a.source_id, a.content_hash ORDER BY a.source_id`,
      );
    },
  };
}
