import { createHash } from 'node:crypto';
import type { Article } from '../domain/article/index.js';
import { articleContent, articleSlug, changedFields, type ArticleContent } from '../domain/content.js';
import type { Outcome } from '../domain/import/index.js';
import { initialReviewState, type ReviewPolicy, type ReviewState } from '../domain/review.js';
import { JsonbParam, type Queryable } from './db.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export type ApplyResult = { outcome: Exclude<Outcome, 'rejected'>; revision: number; changedFields: string[] };

/**
 * An article to write. `content`: what the write needs of it, when the reader has it ready (a parse
 * thread sends only this). `article` (and `canonical`, its stable JSON if the reader made it): the
 * parsed article, from which the content is taken. `digest`: the digest of the bytes it was parsed
 * from, stored beside it. A document known by its digest comes with neither (it was not parsed):
 * `parse` gives its article when it turns out to be needed (its stored content changed since the
 * digest was looked up).
 */
export type ArticleWrite = {
  sourceId: string;
  contentHash: string;
  digest?: string;
  content?: ArticleContent;
  article?: Article;
  canonical?: string;
  parse?: () => { article: Article; canonical: string };
};

type Full = ArticleWrite & { content: ArticleContent };

function full(item: ArticleWrite): Full {
  if (item.content) return { ...item, content: item.content };
  if (item.article) return { ...item, content: articleContent(item.article, item.canonical) };
  if (!item.parse) throw new Error(`article ${item.sourceId} has neither its content nor its bytes`);
  const parsed = item.parse();
  if (sha256(parsed.canonical) !== item.contentHash)
    throw new Error(`article ${item.sourceId}: its bytes no longer parse to the content their digest recorded`);
  return { ...item, article: parsed.article, content: articleContent(parsed.article, parsed.canonical) };
}

/** The article itself, for an update's changed fields: its stable JSON parses back to an equal value. */
const articleOf = (item: Full): Article => item.article ?? (JSON.parse(utf8Text.decode(item.content.json)) as Article);

const utf8Text = new TextDecoder();
const utf8 = new TextEncoder();
const NULL_JSON = utf8.encode('null');
const OPEN = utf8.encode('[');
const FIRST_ROW = utf8.encode('{"article":');
const NEXT_ROW = utf8.encode(',{"article":');
const CLOSE_ROW = utf8.encode('}');
const CLOSE = utf8.encode(']');

/**
 * Rows for jsonb_to_recordset, as one JSON parameter: one instead of a text[] per column, which pg
 * escaped element by element (every article's JSON again). Each article goes in as the UTF-8 JSON it
 * already is, never as a string: a batch's rows are megabytes, which the main thread otherwise joined,
 * measured and encoded again for every statement. The article comes first in its row, so the rest of
 * the row is JSON.stringify's own text of the fields (after its `{`), one native call per row.
 */
function jsonRows(rows: ReadonlyArray<{ fields: Record<string, string | number | null>; article: Uint8Array | null }>): JsonbParam {
  const parts: Uint8Array[] = [OPEN];
  rows.forEach((row, i) => {
    const fields = JSON.stringify(row.fields);
    // Buffer.from takes small strings from its shared pool: no buffer of its own per row.
    parts.push(i === 0 ? FIRST_ROW : NEXT_ROW, row.article ?? NULL_JSON, fields === '{}' ? CLOSE_ROW : Buffer.from(`,${fields.slice(1)}`));
  });
  parts.push(CLOSE);
  return JsonbParam.from(parts);
}

type Current = { source_id: string; current_revision: number; content_hash: string; source_digest: string | null };

/**
 * The stored rows of these articles as last committed, unlocked: what an unchanged document is judged
 * against. Writing nothing, it needs no lock; an overlapping import that commits later simply comes after.
 */
async function readCurrent(q: Queryable, sourceIds: readonly string[]): Promise<Map<string, Current>> {
  const rows = await q.query<Current>('SELECT source_id, current_revision, content_hash, source_digest FROM articles WHERE source_id = ANY($1::text[])', [
    sourceIds,
  ]);
  return new Map(rows.map((r) => [r.source_id, r]));
}

/**
 * Locks the stored rows of the articles about to change, in source_id order so two batches sharing ids
 * never wait on each other in a cycle. What comes back is each locked row's newest committed version.
 */
async function lockCurrent(q: Queryable, sourceIds: readonly string[]): Promise<Map<string, Current>> {
  const rows = await q.query<Current>(
    'SELECT source_id, current_revision, content_hash, source_digest FROM articles WHERE source_id = ANY($1::text[]) ORDER BY source_id FOR UPDATE',
    [sourceIds],
  );
  return new Map(rows.map((r) => [r.source_id, r]));
}

/**
 * Inserts the articles no one stored yet, each with its first revision, in one statement. Returns the
 * ids it created: the others were created meanwhile by an overlapping import (ON CONFLICT waited for
 * its commit), and are updates of what it wrote.
 */
async function insertNew(q: Queryable, items: readonly Full[], policy: ReviewPolicy, runId: string): Promise<Set<string>> {
  const rows = await q.query<{ source_id: string }>(
    `WITH incoming AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS t(source_id text, slug text, title text, content_hash text, review_state text, source_digest text, article jsonb)
     ), created AS (
       INSERT INTO articles (source_id, slug, title, current_revision, content_hash, review_state, source_digest)
       SELECT source_id, slug, title, 1, content_hash, review_state, source_digest FROM incoming ORDER BY source_id
       ON CONFLICT (source_id) DO NOTHING RETURNING source_id
     ), revisions AS (
       INSERT INTO article_revisions (source_id, revision, content_hash, article, import_run)
       SELECT i.source_id, 1, i.content_hash, i.article, $2 FROM incoming i JOIN created c USING (source_id)
     )
     SELECT source_id FROM created`,
    [
      jsonRows(
        items.map((i) => ({
          fields: {
            source_id: i.sourceId,
            slug: articleSlug({ title: i.content.title, sourceId: i.sourceId }),
            title: i.content.title,
            content_hash: i.contentHash,
            review_state: initialReviewState(policy, i.content.needsHumanReview),
            source_digest: i.digest ?? null,
          },
          article: i.content.json,
        })),
      ),
      runId,
    ],
  );
  return new Set(rows.map((r) => r.source_id));
}

type Prior = { source_id: string; article: Article; max_revision: number; existing: number | null };

/** For changed articles (rows locked): the current revision's article, the highest revision, and the revision already holding the new hash. */
async function readPriors(q: Queryable, items: readonly ArticleWrite[]): Promise<Map<string, Prior>> {
  const rows = await q.query<Prior>(
    `SELECT t.source_id, cur.article,
            (SELECT max(r.revision) FROM article_revisions r WHERE r.source_id = t.source_id) AS max_revision,
            (SELECT r.revision FROM article_revisions r WHERE r.source_id = t.source_id AND r.content_hash = t.content_hash) AS existing
       FROM unnest($1::text[], $2::text[]) AS t(source_id, content_hash)
       JOIN articles a ON a.source_id = t.source_id
       JOIN article_revisions cur ON cur.source_id = a.source_id AND cur.revision = a.current_revision`,
    [items.map((i) => i.sourceId), items.map((i) => i.contentHash)],
  );
  return new Map(rows.map((r) => [r.source_id, r]));
}

type Update = { item: Full; revision: number; isNew: boolean };

/** New revisions (content never seen for the article) and the articles' new current revision, in one statement. */
async function writeUpdates(q: Queryable, updates: readonly Update[], policy: ReviewPolicy, runId: string): Promise<void> {
  // Changed content goes back through review as the policy says; a reviewer's earlier decision was about other words.
  await q.query(
    `WITH incoming AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS t(source_id text, revision int, content_hash text, title text, review_state text, source_digest text, article jsonb)
     ), added AS (
       INSERT INTO article_revisions (source_id, revision, content_hash, article, import_run)
       SELECT source_id, revision, content_hash, article, $2 FROM incoming WHERE article IS NOT NULL ORDER BY source_id
     )
     UPDATE articles a SET current_revision = i.revision, content_hash = i.content_hash, title = i.title, review_state = i.review_state,
            source_digest = i.source_digest, reviewed_at = NULL, reviewed_by = NULL, updated_at = now()
       FROM incoming i WHERE a.source_id = i.source_id`,
    [
      jsonRows(
        updates.map((u) => ({
          fields: {
            source_id: u.item.sourceId,
            revision: u.revision,
            content_hash: u.item.contentHash,
            title: u.item.content.title,
            review_state: initialReviewState(policy, u.item.content.needsHumanReview),
            source_digest: u.item.digest ?? null,
          },
          article: u.isNew ? u.item.content.json : null,
        })),
      ),
      runId,
    ],
  );
}

/**
 * Unchanged articles whose stored digest names other bytes (stored before digests were, or by another
 * parser version) learn these bytes' digest, so the next import finds them without parsing. Only while
 * the content is still the one these bytes parse to.
 */
async function refreshDigests(q: Queryable, items: readonly ArticleWrite[]): Promise<void> {
  await q.query(
    `UPDATE articles a SET source_digest = t.source_digest
       FROM unnest($1::text[], $2::text[], $3::text[]) AS t(source_id, content_hash, source_digest)
      WHERE a.source_id = t.source_id AND a.content_hash = t.content_hash AND a.source_digest IS DISTINCT FROM t.source_digest`,
    [items.map((i) => i.sourceId), items.map((i) => i.contentHash), items.map((i) => i.digest ?? null)],
  );
}

/**
 * Decides created / updated / unchanged by content hash for a set of articles (distinct source ids),
 * and writes them with a handful of statements whatever their number: a new article, a new revision
 * beside the old ones, or nothing. Must run inside a transaction. A dry run calls it too, inside a
 * savepoint it rolls back, so the plan meets the same constraints as the real write. Results come back
 * in the order of `items`.
 *
 * Unchanged articles are read without a lock and cost no write; only the rows about to change are
 * locked, and judged again on their newest committed version.
 */
export async function applyArticles(q: Queryable, input: { items: readonly ArticleWrite[]; policy: ReviewPolicy; runId: string }): Promise<ApplyResult[]> {
  const { items, policy, runId } = input;
  if (items.length === 0) return [];
  const current = await readCurrent(
    q,
    items.map((i) => i.sourceId),
  );
  const differs = items.filter((i) => current.get(i.sourceId)?.content_hash !== i.contentHash);
  const stored = differs.filter((i) => current.has(i.sourceId));
  if (stored.length > 0) {
    for (const [id, row] of await lockCurrent(
      q,
      stored.map((i) => i.sourceId),
    ))
      current.set(id, row);
  }
  const fresh = differs.filter((i) => !current.has(i.sourceId)).map(full);
  const created = fresh.length > 0 ? await insertNew(q, fresh, policy, runId) : new Set<string>();
  const raced = fresh.filter((i) => !created.has(i.sourceId));
  if (raced.length > 0) {
    const ids = raced.map((i) => i.sourceId);
    const locked = await lockCurrent(q, ids);
    for (const id of ids) {
      const row = locked.get(id);
      if (!row) throw new Error(`article ${id} vanished while being imported`);
      current.set(id, row);
    }
  }
  const changed = differs.filter((i) => !created.has(i.sourceId) && current.get(i.sourceId)?.content_hash !== i.contentHash).map(full);
  const priors = changed.length > 0 ? await readPriors(q, changed) : new Map<string, Prior>();
  const updates = new Map<string, Update & { fields: string[] }>();
  for (const item of changed) {
    const prior = priors.get(item.sourceId);
    if (!prior) throw new Error(`article ${item.sourceId} has no current revision`);
    // Content that goes back to an earlier revision points at it again: hashes are unique per article.
    const revision = prior.existing ?? prior.max_revision + 1;
    updates.set(item.sourceId, { item, revision, isNew: prior.existing === null, fields: changedFields(prior.article, articleOf(item)) });
  }
  if (updates.size > 0) await writeUpdates(q, [...updates.values()], policy, runId);
  const stale = items.filter((i) => {
    const row = current.get(i.sourceId);
    return (
      i.digest !== undefined && !created.has(i.sourceId) && !updates.has(i.sourceId) && row?.content_hash === i.contentHash && row.source_digest !== i.digest
    );
  });
  if (stale.length > 0) await refreshDigests(q, stale);
  return items.map((item): ApplyResult => {
    const id = item.sourceId;
    if (created.has(id)) return { outcome: 'created', revision: 1, changedFields: [] };
    const update = updates.get(id);
    if (update) return { outcome: 'updated', revision: update.revision, changedFields: update.fields };
    const row = current.get(id);
    if (!row) throw new Error(`article ${id} vanished while being imported`);
    return { outcome: 'unchanged', revision: row.current_revision, changedFields: [] };
  });
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

/**
 * The articles stored under each of a batch's digests, one index probe per digest. Bytes parse to one
 * article, so a digest names one article at most; LIMIT 1 says so to the planner too. As
 * `source_digest = ANY($1)` on a table not analysed yet (autovacuum off, or behind a large import), the
 * planner took 500 digests to match every row and scanned all articles for every batch: 215 ms a batch
 * at 500,000 articles, most of PostgreSQL's time in a million-document import.
 */
export const KNOWN_DIGESTS = `SELECT a.source_digest, a.source_id, a.content_hash
    FROM unnest($1::text[]) AS d(digest)
    CROSS JOIN LATERAL (SELECT source_digest, source_id, content_hash FROM articles WHERE source_digest = d.digest LIMIT 1) a`;

export function createArticleRepo(db: Queryable) {
  return {
    /** The articles whose current content was parsed from bytes with these digests (see sourceDigest). */
    async knownDigests(digests: readonly string[]): Promise<Map<string, { sourceId: string; contentHash: string }>> {
      const rows = await db.query<{ source_digest: string; source_id: string; content_hash: string }>(KNOWN_DIGESTS, [digests]);
      return new Map(rows.map((r) => [r.source_digest, { sourceId: r.source_id, contentHash: r.content_hash }]));
    },
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
