import { ErrorType, PressroomError } from '../domain/errors.js';
import {
  HIGHLIGHT_START,
  HIGHLIGHT_STOP,
  SEARCH_CANDIDATES,
  SEARCH_PAGE_SIZE,
  snippetHtml,
  type SearchHit,
  type SearchRequest,
  type SearchResult,
} from '../domain/search/query.js';
import type { SimilarFeatures, SimilarList } from '../domain/search/similar.js';
import type { Watermark } from '../domain/search/input.js';
import { isTransientDbError, shortDbReason, sqlState, type Db, type Queryable } from './db.js';

// The search index. It lives in generations: search_g<N> is one table per generation, filled from
// production's release beside the live one, indexed (GIN over a weighted tsvector, btree over a static
// score) and analysed once full, then made live by moving the alias (search_alias's one row) in one
// transaction. Searches read the alias first and then only that generation's table; a generation stays
// for two more swaps, so a search that read the alias just before a swap still finds its table.
//
// What a document holds: the title (weight A); topic, summary and tools (B); the lede and the body's
// headings, paragraphs, code, list items and captions (C). The static score is the boost by quality
// (meta.score.quality) and freshness (meta.revision.lastReviewed), computed when the document is written.

export type GenerationStatus = 'building' | 'live' | 'kept' | 'failed' | 'dropped';

export type Generation = {
  id: number;
  status: GenerationStatus;
  workflowId: string;
  watermark: Watermark;
  documents: number;
  failed: number;
  report: unknown;
  createdAt: string;
  finishedAt: string | null;
  swappedAt: string | null;
  live: boolean;
};

export class ReindexInProgressError extends PressroomError {
  constructor(
    readonly holder: string,
    readonly generation: number,
  ) {
    super(
      ErrorType.ReindexInProgress,
      `another full reindex is running: workflow ${holder} is building generation ${generation}; wait for it or attach to it (not retryable while it runs)`,
    );
  }
}

export class SearchIndexNotFoundError extends PressroomError {
  constructor(message: string) {
    super(ErrorType.SearchIndexNotFound, message);
  }
}

/** The table of a generation: the id is a database integer, never text from a request. */
export function generationTable(id: number): string {
  if (!Number.isSafeInteger(id) || id < 1) throw new PressroomError(ErrorType.Unexpected, `not a generation id: ${id}`);
  return `search_g${id}`;
}
export const ginIndexOf = (id: number) => `${generationTable(id)}_tsv`;
export const headIndexOf = (id: number) => `${generationTable(id)}_head`;
/** A generation's similar posts, in a table of their own: written after the documents, they never rewrite a document's (large) row. */
const similarTable = (id: number) => `${generationTable(id)}_similar`;
/**
 * The order a generation is filled in: its release's articles by static score, best first. Written in
 * that order, the table's pages are in that order too, so the candidate scan (best static score first)
 * reads the table front to back instead of hopping across it.
 */
const orderTable = (id: number) => `${generationTable(id)}_order`;

const TEXT = `'english'`;

const QUALITY = `(a.article->'meta'->'score'->>'quality')::integer`;
const REVIEWED = `(a.article->'meta'->'revision'->>'lastReviewed')::date`;

/** The columns written for one release item `i` and its revision `a`. */
const DOCUMENT_COLUMNS =
  'source_id, revision, slug, title, summary, topic, problem, tools, stack, entities, difficulty, code_language, quality, last_reviewed, static_score, tsv, title_tsv';
const DOCUMENT_SELECT = `
  i.source_id, i.revision, i.slug, i.title,
  COALESCE(NULLIF(a.article->'meta'->>'summary', ''), a.article->>'lede'),
  a.article->'meta'->>'topic',
  a.article->'meta'->'outline'->>'problem',
  ARRAY(SELECT lower(x) FROM jsonb_array_elements_text(COALESCE(a.article->'meta'->'tools', '[]')) x),
  ARRAY(SELECT lower(x) FROM jsonb_array_elements_text(COALESCE(a.article->'meta'->'stack', '[]')) x),
  ARRAY(SELECT lower(e->>'type' || ':' || (e->>'name')) FROM jsonb_array_elements(COALESCE(a.article->'meta'->'entities', '[]')) e),
  a.article->'meta'->>'difficulty',
  lower(a.article->'meta'->>'codeLanguage'),
  (a.article->'meta'->'score'->>'quality')::integer,
  (a.article->'meta'->'revision'->>'lastReviewed')::date,
  ${staticScore(QUALITY, REVIEWED)},
  setweight(to_tsvector(${TEXT}, i.title), 'A') ||
  setweight(to_tsvector(${TEXT}, COALESCE(a.article->'meta'->>'topic', '') || ' ' || COALESCE(a.article->'meta'->>'summary', '')), 'B') ||
  setweight(to_tsvector(${TEXT}, COALESCE(a.article->'meta'->'tools', '[]')), 'B') ||
  setweight(to_tsvector(${TEXT}, COALESCE(a.article->>'lede', '')), 'C') ||
  setweight(to_tsvector(${TEXT},
    jsonb_path_query_array(a.article, '$.sections[*].heading') ||
    jsonb_path_query_array(a.article, '$.sections[*].blocks[*].text') ||
    jsonb_path_query_array(a.article, '$.sections[*].blocks[*].items[*]') ||
    jsonb_path_query_array(a.article, '$.sections[*].blocks[*].caption')), 'C'),
  to_tsvector(${TEXT}, i.title)`;

/**
 * The boost a document's rank is multiplied by: up to 1.25× for quality 100 (1.125× when it has none),
 * and up to 1.25× for a review today, halving its bonus with every year since (none without a date).
 * Mild on purpose: a title match (weight A counts 1.0, B 0.3, C 0.1) must outrank the body matches of
 * fresher, better-rated articles.
 */
function staticScore(quality: string, reviewed: string): string {
  return `((1 + 0.25 * COALESCE(${quality}, 50) / 100.0) * (1 + CASE WHEN ${reviewed} IS NULL THEN 0 ELSE 0.25 / (1 + GREATEST(0, current_date - ${reviewed}) / 365.0) END))::real`;
}

/**
 * The passage a snippet is cut from, without our highlight marks: the title, the summary, the lede and the
 * first three paragraphs. ts_headline's work grows with the text, and it runs for every hit shown; a match
 * only deeper in the body gives a snippet of the article's opening, without marks.
 */
const HEADLINE_TEXT = `replace(replace(concat_ws(' ', p.title || '.', a.article->'meta'->>'summary', a.article->>'lede',
  (SELECT string_agg(x, ' ') FROM (SELECT x FROM jsonb_array_elements_text(jsonb_path_query_array(a.article, '$.sections[*].blocks[*] ? (@.type == "paragraph").text')) x LIMIT 3) x)),
  '${HIGHLIGHT_START}', ''), '${HIGHLIGHT_STOP}', '')`;
const HEADLINE_OPTIONS = `StartSel=${HIGHLIGHT_START}, StopSel=${HIGHLIGHT_STOP}, MaxWords=35, MinWords=15, MaxFragments=1`;

/**
 * The head of a generation: its documents of static score >= the threshold, about HEAD_SHARE of them
 * (null: a generation too small to need one), with a GIN index of its own.
 */
export type Head = { threshold: number } | null;
/** The share of a generation in its head, and the smallest generation that gets one. */
const HEAD_SHARE = 0.1;
const HEAD_MIN_DOCUMENTS = 20_000;

/** The threshold as SQL, spelled the same in the head index's predicate and in every query, so the planner sees they match. */
const headBound = (threshold: number) => `CAST('${String(threshold)}' AS real)`;
const MATCHES = `d.tsv @@ websearch_to_tsquery(${TEXT}, $1)
             AND ($2::text IS NULL OR d.tools @> ARRAY[$2::text])
             AND ($3::text IS NULL OR d.stack @> ARRAY[$3::text])
             AND ($4::text IS NULL OR d.difficulty = $4::text)
             AND ($5::text IS NULL OR d.code_language = $5::text)`;

/**
 * The candidates: the SEARCH_CANDIDATES matches (filtered) of best static score. $1 query, $2..$5
 * filters. With a head, its matches come first (a small GIN index, a few hundred rows at most); the rest
 * of the table is read only when the head holds fewer than SEARCH_CANDIDATES matches (a one-time filter,
 * so a broad query never touches it). Either way the result is exactly the best SEARCH_CANDIDATES.
 */
function candidatesSql(table: string, head: Head, columns = 'd.source_id'): string {
  const order = `ORDER BY d.static_score DESC, d.source_id`;
  if (head === null) return `(SELECT ${columns} FROM ${table} d WHERE ${MATCHES} ${order} LIMIT ${SEARCH_CANDIDATES})`;
  const bound = headBound(head.threshold);
  return `(WITH head AS MATERIALIZED (SELECT ${columns} FROM ${table} d WHERE d.static_score >= ${bound} AND ${MATCHES} ${order} LIMIT ${SEARCH_CANDIDATES})
           SELECT * FROM head
           UNION ALL
           (SELECT ${columns} FROM ${table} d
             WHERE (SELECT count(*) FROM head) < ${SEARCH_CANDIDATES} AND d.static_score < ${bound} AND ${MATCHES}
             ${order} LIMIT ${SEARCH_CANDIDATES}))`;
}

function searchSql(table: string, head: Head): string {
  return `WITH q AS (SELECT websearch_to_tsquery(${TEXT}, $1) AS q, phraseto_tsquery(${TEXT}, $1) AS phrase),
    cand AS (SELECT * FROM ${candidatesSql(table, head, 'd.source_id, d.revision, d.slug, d.title, d.summary, d.quality, d.last_reviewed, d.difficulty, d.tools, d.stack, d.static_score, d.tsv, d.title_tsv')} c LIMIT ${SEARCH_CANDIDATES}),
    ranked AS (
      SELECT c.source_id, c.revision, c.slug, c.title, c.summary, c.quality, c.last_reviewed, c.difficulty, c.tools, c.stack, t.phrase AS title_match,
             ts_rank('{0.05, 0.1, 0.3, 1.0}', c.tsv, q.q, 1) * c.static_score
               * CASE WHEN t.phrase THEN 2.0 WHEN t.every THEN 1.5 ELSE 1.0 END AS score,
             count(*) OVER () AS total
        FROM cand c, q,
             LATERAL (SELECT c.title_tsv @@ q.phrase AS phrase, c.title_tsv @@ q.q AS every) t
       ORDER BY score DESC, c.source_id
       LIMIT $6 OFFSET $7)
    SELECT p.*, ts_headline(${TEXT}, ${HEADLINE_TEXT}, q.q, $8) AS headline
      FROM ranked p
      CROSS JOIN q
      JOIN article_revisions a ON a.source_id = p.source_id AND a.revision = p.revision
     ORDER BY p.score DESC, p.source_id`;
}

type HitRow = {
  source_id: string;
  slug: string;
  title: string;
  summary: string | null;
  quality: number | null;
  last_reviewed: Date | string | null;
  difficulty: string | null;
  tools: string[];
  stack: string[];
  score: number;
  title_match: boolean;
  total: string | number;
  headline: string;
};

const day = (value: Date | string | null): string | null =>
  value === null ? null : value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);
const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString());
const isoOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : iso(value));

function searchParams(request: SearchRequest): unknown[] {
  return [request.q, request.tool ?? null, request.stack ?? null, request.difficulty ?? null, request.codeLanguage ?? null];
}

/** Runs a search against one generation's table. */
async function searchIn(q: Queryable, generation: number, head: Head, request: SearchRequest): Promise<SearchResult> {
  const rows = await q.query<HitRow>(searchSql(generationTable(generation), head), [
    ...searchParams(request),
    SEARCH_PAGE_SIZE,
    (request.page - 1) * SEARCH_PAGE_SIZE,
    HEADLINE_OPTIONS,
  ]);
  let total = rows.length === 0 ? 0 : Number(rows[0]!.total);
  if (rows.length === 0 && request.page > 1) {
    // Past the last page: the total still says how many there were.
    const [row] = await q.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM (SELECT * FROM ${candidatesSql(generationTable(generation), head)} c LIMIT ${SEARCH_CANDIDATES}) c`,
      searchParams(request),
    );
    total = Number(row?.n ?? 0);
  }
  const hits: SearchHit[] = rows.map((r) => ({
    sourceId: r.source_id,
    slug: r.slug,
    title: r.title,
    summary: r.summary,
    snippet: snippetHtml(r.headline),
    score: Number(r.score),
    titleMatch: r.title_match,
    quality: r.quality === null ? null : Number(r.quality),
    lastReviewed: day(r.last_reviewed),
    difficulty: r.difficulty,
    tools: r.tools,
    stack: r.stack,
  }));
  return { generation, query: request.q, page: request.page, pageSize: SEARCH_PAGE_SIZE, total, capped: total >= SEARCH_CANDIDATES, hits };
}

type GenerationRow = {
  id: number;
  status: GenerationStatus;
  workflow_id: string;
  release_id: string | null;
  audit_id: string | number;
  documents: number;
  failed: number;
  report: unknown;
  created_at: unknown;
  finished_at: unknown;
  swapped_at: unknown;
  live: boolean;
};

const GENERATION_COLUMNS = `g.id, g.status, g.workflow_id, g.release_id, g.audit_id, g.documents, g.failed, g.report, g.created_at, g.finished_at, g.swapped_at,
  (g.id = (SELECT generation FROM search_alias WHERE name = 'live')) IS TRUE AS live`;

function toGeneration(r: GenerationRow): Generation {
  return {
    id: Number(r.id),
    status: r.status,
    workflowId: r.workflow_id,
    watermark: { releaseId: r.release_id, auditId: Number(r.audit_id) },
    documents: Number(r.documents),
    failed: Number(r.failed),
    report: r.report,
    createdAt: iso(r.created_at),
    finishedAt: isoOrNull(r.finished_at),
    swappedAt: isoOrNull(r.swapped_at),
    live: r.live,
  };
}

/** Production's release and the id of its last pointer move: what a generation reflects. */
async function productionWatermark(q: Queryable, lock = false): Promise<Watermark> {
  const [env] = await q.query<{ release_id: string | null }>(`SELECT release_id FROM environments WHERE name = 'production'${lock ? ' FOR SHARE' : ''}`);
  const [audit] = await q.query<{ id: string | number | null }>(`SELECT max(id) AS id FROM audit_log WHERE environment = 'production'`);
  return { releaseId: env?.release_id ?? null, auditId: Number(audit?.id ?? 0) };
}

/**
 * Makes a generation's table hold exactly `releaseId`'s articles: documents whose revision, slug or
 * title the release no longer has are deleted, and the release's articles missing from the table are
 * written. Set-based (two statements), and idempotent: run again, it changes nothing.
 */
async function syncTo(q: Queryable, generation: number, releaseId: string | null): Promise<{ upserted: number; removed: number }> {
  const table = generationTable(generation);
  const removed = await q.query(
    `DELETE FROM ${table} d
      WHERE NOT EXISTS (SELECT 1 FROM release_items i
                         WHERE i.release_id = $1 AND i.source_id = d.source_id AND i.revision = d.revision AND i.slug = d.slug AND i.title = d.title)
      RETURNING d.source_id`,
    [releaseId],
  );
  const upserted = await q.query(
    `INSERT INTO ${table} (${DOCUMENT_COLUMNS})
     SELECT ${DOCUMENT_SELECT}
       FROM release_items i
       JOIN article_revisions a ON a.source_id = i.source_id AND a.revision = i.revision
      WHERE i.release_id = $1 AND NOT EXISTS (SELECT 1 FROM ${table} d WHERE d.source_id = i.source_id)
     RETURNING source_id`,
    [releaseId],
  );
  // A rewritten or removed document's similar posts go with it; the caller computes them again.
  if (removed.length > 0) await q.query(`DELETE FROM ${similarTable(generation)} WHERE source_id = ANY($1::text[])`, [removed.map((r) => String(r.source_id))]);
  const upsertedIds = new Set(upserted.map((r) => String(r.source_id)));
  // A changed article is deleted and written again: count it once, as upserted.
  return { upserted: upsertedIds.size, removed: removed.filter((r) => !upsertedIds.has(String(r.source_id))).length };
}

export type SearchRepoOptions = {
  /** Results kept for repeated searches (0: none). */
  cacheEntries?: number;
  cacheMs?: number;
};

/** Repeated searches (a popular query, a page reloaded) answered from memory: at most this many results, for at most this long. */
export const RESULT_CACHE_ENTRIES = 2_000;
export const RESULT_CACHE_MS = 60_000;

/**
 * Recent results by (generation, watermark, query). A swap, a rollback or an incremental run changes
 * the generation or its watermark, so a cached result never outlives what it was computed from; the
 * time limit bounds the freshness boost's drift and anything written behind the store's back.
 */
class ResultCache {
  private readonly entries = new Map<string, { at: number; result: SearchResult }>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
  ) {}

  get(key: string): SearchResult | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (Date.now() - entry.at > this.ttlMs) return undefined;
    this.entries.set(key, entry);
    return entry.result;
  }

  set(key: string, result: SearchResult): void {
    if (this.max <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { at: Date.now(), result });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}

export function createSearchRepo(db: Queryable, options: SearchRepoOptions = {}) {
  const inTransaction = <T>(fn: (q: Queryable) => Promise<T>): Promise<T> => ('transaction' in db ? (db as Db).transaction(fn) : fn(db));

  /** The live generation, its head and its watermark's audit id (what an incremental run moves), in one read of the alias. */
  const live = async (): Promise<{ generation: number; head: Head; auditId: number } | null> => {
    const [row] = await db.query<{ generation: number | null; head_threshold: number | null; audit_id: string | number | null }>(
      `SELECT a.generation, g.head_threshold, g.audit_id FROM search_alias a LEFT JOIN search_generations g ON g.id = a.generation WHERE a.name = 'live'`,
    );
    if (row?.generation == null) return null;
    return {
      generation: Number(row.generation),
      head: row.head_threshold == null ? null : { threshold: Number(row.head_threshold) },
      auditId: Number(row.audit_id ?? 0),
    };
  };
  const cache = new ResultCache(options.cacheEntries ?? RESULT_CACHE_ENTRIES, options.cacheMs ?? RESULT_CACHE_MS);
  const headOf = async (generation: number): Promise<Head> => {
    const [row] = await db.query<{ head_threshold: number | null }>(`SELECT head_threshold FROM search_generations WHERE id = $1`, [generation]);
    return row?.head_threshold == null ? null : { threshold: Number(row.head_threshold) };
  };

  const repo = {
    /** The live generation's id, or null before the first swap. */
    async liveGeneration(): Promise<number | null> {
      return (await live())?.generation ?? null;
    },

    /**
     * A search through the alias. A generation dropped between reading the alias and reading its table
     * (two swaps in that instant) is read again through the alias, once.
     */
    async search(request: SearchRequest): Promise<SearchResult> {
      for (let attempt = 1; ; attempt++) {
        const current = await live();
        if (current === null) throw new SearchIndexNotFoundError('there is no search index yet: run `pressroom reindex --full` once production has a release');
        const key = JSON.stringify([
          current.generation,
          current.auditId,
          request.q,
          request.tool,
          request.stack,
          request.difficulty,
          request.codeLanguage,
          request.page,
        ]);
        const cached = cache.get(key);
        if (cached) return { ...cached, cached: true };
        try {
          const result = await searchIn(db, current.generation, current.head, request);
          cache.set(key, result);
          return result;
        } catch (error) {
          if (sqlState(error) !== '42P01' || attempt > 1) throw error;
        }
      }
    },

    /** A search against one generation, live or not (verification, tests). */
    async searchGeneration(generation: number, request: SearchRequest): Promise<SearchResult> {
      return searchIn(db, generation, await headOf(generation), request);
    },

    /** Every generation, newest first, with the live one marked. */
    async generations(): Promise<Generation[]> {
      const rows = await db.query<GenerationRow>(`SELECT ${GENERATION_COLUMNS} FROM search_generations g ORDER BY g.id DESC`);
      return rows.map(toGeneration);
    },

    async generation(id: number): Promise<Generation | undefined> {
      const [row] = await db.query<GenerationRow>(`SELECT ${GENERATION_COLUMNS} FROM search_generations g WHERE g.id = $1`, [id]);
      return row ? toGeneration(row) : undefined;
    },

    /** The generation being built, if any: at most one (a unique index says so). */
    async building(): Promise<Generation | undefined> {
      const [row] = await db.query<GenerationRow>(`SELECT ${GENERATION_COLUMNS} FROM search_generations g WHERE g.status = 'building'`);
      return row ? toGeneration(row) : undefined;
    },

    /**
     * Starts generation N+1 for `workflowId`, noting the watermark (production's release now), or finds
     * the one this workflow already started (a retried or resumed activity). ReindexInProgress when another
     * workflow is building one; SearchIndexNotFound when production has no release to index.
     */
    async createGeneration(workflowId: string): Promise<{ generation: Generation; total: number; created: boolean }> {
      return inTransaction(async (q) => {
        await q.query(`SELECT 1 FROM search_alias WHERE name = 'live' FOR UPDATE`);
        const [building] = await q.query<GenerationRow>(`SELECT ${GENERATION_COLUMNS} FROM search_generations g WHERE g.status = 'building'`);
        if (building && building.workflow_id !== workflowId) throw new ReindexInProgressError(building.workflow_id, Number(building.id));
        let row = building;
        let created = false;
        if (!row) {
          const watermark = await productionWatermark(q);
          if (watermark.releaseId === null) throw new SearchIndexNotFoundError('production has no release yet: there is nothing to index (release first)');
          const [next] = await q.query<{ id: number }>(`SELECT COALESCE(max(id), 0) + 1 AS id FROM search_generations`);
          const id = Number(next!.id);
          const table = generationTable(id);
          await q.query(`INSERT INTO search_generations (id, status, workflow_id, release_id, audit_id) VALUES ($1, 'building', $2, $3, $4)`, [
            id,
            workflowId,
            watermark.releaseId,
            watermark.auditId,
          ]);
          await q.exec(`
            DROP TABLE IF EXISTS ${table};
            CREATE TABLE ${table} (
              source_id      text PRIMARY KEY,
              revision       integer NOT NULL,
              slug           text NOT NULL,
              title          text NOT NULL,
              summary        text,
              topic          text,
              problem        text,
              tools          text[] NOT NULL,
              stack          text[] NOT NULL,
              entities       text[] NOT NULL,
              difficulty     text,
              code_language  text,
              quality        integer,
              last_reviewed  date,
              static_score   real NOT NULL,
              tsv            tsvector NOT NULL,
              title_tsv      tsvector NOT NULL
            ) WITH (toast_tuple_target = 8160);
            -- The tsvector stays in the row (it fits): a search reads it for every candidate it ranks,
            -- and fetching it from the TOAST table cost more than the rest of a search together.
            ALTER TABLE ${table} ALTER COLUMN tsv SET STORAGE MAIN;
            DROP TABLE IF EXISTS ${similarTable(id)};
            CREATE TABLE ${similarTable(id)} (source_id text PRIMARY KEY, similar_ids text[] NOT NULL);
            DROP TABLE IF EXISTS ${orderTable(id)};
            CREATE TABLE ${orderTable(id)} (pos integer PRIMARY KEY, source_id text NOT NULL);`);
          await q.query(
            `INSERT INTO ${orderTable(id)} (pos, source_id)
             SELECT row_number() OVER (ORDER BY ${staticScore(QUALITY, REVIEWED)} DESC, i.source_id COLLATE "C"), i.source_id
               FROM release_items i
               JOIN article_revisions a ON a.source_id = i.source_id AND a.revision = i.revision
              WHERE i.release_id = $1`,
            [watermark.releaseId],
          );
          [row] = await q.query<GenerationRow>(`SELECT ${GENERATION_COLUMNS} FROM search_generations g WHERE g.id = $1`, [id]);
          created = true;
        }
        const generation = toGeneration(row!);
        const [count] = await q.query<{ n: string | number }>(`SELECT count(*) AS n FROM release_items WHERE release_id = $1`, [
          generation.watermark.releaseId,
        ]);
        return { generation, total: Number(count?.n ?? 0), created };
      });
    },

    /**
     * Writes the next `limit` articles of the generation's release after `after` (by source id), in
     * `lanes` statements at once (each over its own connection on PostgreSQL, where each takes a core;
     * PGlite has one connection and runs them in turn). A statement the database refuses is written again
     * one article at a time, and the articles it still refuses are recorded as failed (verification then
     * refuses the generation), never skipped silently.
     */
    async fillBatch(generation: number, after: number, limit: number, lanes = 1): Promise<{ written: number; failed: number; last: number | null }> {
      const table = generationTable(generation);
      const [gen] = await db.query<{ release_id: string }>(`SELECT release_id FROM search_generations WHERE id = $1`, [generation]);
      if (!gen) throw new SearchIndexNotFoundError(`generation ${generation} does not exist`);
      const keys = await db.query<{ pos: number; source_id: string }>(
        `SELECT pos, source_id FROM ${orderTable(generation)} WHERE pos > $1 ORDER BY pos LIMIT $2`,
        [after, limit],
      );
      if (keys.length === 0) return { written: 0, failed: 0, last: null };
      const insert = (where: string, params: unknown[]) =>
        db.query(
          `INSERT INTO ${table} (${DOCUMENT_COLUMNS})
           SELECT ${DOCUMENT_SELECT}
             FROM ${orderTable(generation)} o
             JOIN release_items i ON i.release_id = $1 AND i.source_id = o.source_id
             JOIN article_revisions a ON a.source_id = i.source_id AND a.revision = i.revision
            WHERE ${where}
            ORDER BY o.pos
           ON CONFLICT (source_id) DO NOTHING`,
          [gen.release_id, ...params],
        );
      const writeRange = async (from: number, rows: ReadonlyArray<{ pos: number; source_id: string }>): Promise<number> => {
        try {
          await insert('o.pos > $2 AND o.pos <= $3', [from, Number(rows[rows.length - 1]!.pos)]);
          return 0;
        } catch (error) {
          if (isTransientDbError(error)) throw error;
        }
        let failed = 0;
        for (const row of rows) {
          try {
            await insert('o.pos = $2', [Number(row.pos)]);
          } catch (error) {
            if (isTransientDbError(error)) throw error;
            failed++;
            await db.query(
              `INSERT INTO search_failures (generation, source_id, error) VALUES ($1, $2, $3) ON CONFLICT (generation, source_id) DO UPDATE SET error = EXCLUDED.error`,
              [generation, row.source_id, shortDbReason(error)],
            );
          }
        }
        return failed;
      };
      const size = Math.ceil(keys.length / Math.max(1, lanes));
      const ranges: Array<{ from: number; rows: typeof keys }> = [];
      for (let i = 0; i < keys.length; i += size) ranges.push({ from: i === 0 ? after : Number(keys[i - 1]!.pos), rows: keys.slice(i, i + size) });
      const failed = (await Promise.all(ranges.map((r) => writeRange(r.from, r.rows)))).reduce((a, b) => a + b, 0);
      return { written: keys.length - failed, failed, last: Number(keys[keys.length - 1]!.pos) };
    },

    /** Builds the generation's indexes once it is full (faster than keeping them up while filling) and analyses it. */
    async indexGeneration(generation: number): Promise<Head> {
      const table = generationTable(generation);
      await db.exec(`
        CREATE INDEX IF NOT EXISTS ${ginIndexOf(generation)} ON ${table} USING gin (tsv);
        CREATE INDEX IF NOT EXISTS ${table}_static ON ${table} (static_score DESC, source_id);
        DROP TABLE IF EXISTS ${orderTable(generation)};`);
      const [count] = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`);
      const documents = Number(count?.n ?? 0);
      let head: Head = null;
      if (documents >= HEAD_MIN_DOCUMENTS) {
        const [row] = await db.query<{ s: number }>(`SELECT static_score AS s FROM ${table} ORDER BY static_score DESC OFFSET $1 LIMIT 1`, [
          Math.floor(documents * HEAD_SHARE),
        ]);
        if (row) {
          head = { threshold: Number(row.s) };
          await db.exec(`CREATE INDEX IF NOT EXISTS ${headIndexOf(generation)} ON ${table} USING gin (tsv) WHERE static_score >= ${headBound(head.threshold)}`);
        }
      }
      await db.query(`UPDATE search_generations SET head_threshold = $2 WHERE id = $1`, [generation, head?.threshold ?? null]);
      await db.exec(`ANALYZE ${table}`);
      return head;
    },

    /** What similar posts are computed from: a page of a generation's documents after `after` (by source id). */
    async similarFeatures(generation: number, after = '', limit = 1_000_000): Promise<SimilarFeatures[]> {
      const rows = await db.query<{ source_id: string; title: string; problem: string | null; stack: string[]; tools: string[]; entities: string[] }>(
        `SELECT source_id, title, problem, stack, tools, entities FROM ${generationTable(generation)}
          WHERE source_id COLLATE "C" > $1 ORDER BY source_id COLLATE "C" LIMIT $2`,
        [after, limit],
      );
      return rows.map((r) => ({ sourceId: r.source_id, title: r.title, problem: r.problem, stack: r.stack, tools: r.tools, entities: r.entities }));
    },

    /** Source ids of the documents without similar posts yet (written by a catch-up or an incremental run). */
    async withoutSimilar(generation: number): Promise<string[]> {
      const rows = await db.query<{ source_id: string }>(
        `SELECT d.source_id FROM ${generationTable(generation)} d WHERE NOT EXISTS (SELECT 1 FROM ${similarTable(generation)} s WHERE s.source_id = d.source_id)`,
      );
      return rows.map((r) => r.source_id);
    },

    /** Stores similar posts: one statement per call (callers send a few thousand at a time). */
    async writeSimilar(generation: number, lists: readonly SimilarList[]): Promise<number> {
      if (lists.length === 0) return 0;
      const rows = await db.query(
        `INSERT INTO ${similarTable(generation)} (source_id, similar_ids)
         SELECT v.source_id, v.similar_ids FROM jsonb_to_recordset($1::jsonb) AS v(source_id text, similar_ids text[])
         ON CONFLICT (source_id) DO UPDATE SET similar_ids = EXCLUDED.similar_ids
         RETURNING source_id`,
        [JSON.stringify(lists.map((l) => ({ source_id: l.sourceId, similar_ids: l.similar })))],
      );
      return rows.length;
    },

    /**
     * Catch-up: applies what production changed after the generation's watermark (production may have
     * moved while it was built), and moves its watermark to now.
     */
    async catchUp(generation: number): Promise<{ upserted: number; removed: number; watermark: Watermark }> {
      return inTransaction(async (q) => {
        const watermark = await productionWatermark(q);
        const counts = await syncTo(q, generation, watermark.releaseId);
        await q.query(`UPDATE search_generations SET release_id = $2, audit_id = $3 WHERE id = $1`, [generation, watermark.releaseId, watermark.auditId]);
        return { ...counts, watermark };
      });
    },

    /** Counts verification compares: documents in the generation, articles in the release it reflects, documents that failed. */
    async counts(generation: number): Promise<{ documents: number; productionArticles: number; failed: number }> {
      const [row] = await db.query<{ documents: string | number; articles: string | number; failed: string | number }>(
        `SELECT (SELECT count(*) FROM ${generationTable(generation)}) AS documents,
                (SELECT count(*) FROM release_items i JOIN search_generations g ON g.release_id = i.release_id WHERE g.id = $1) AS articles,
                (SELECT count(*) FROM search_failures WHERE generation = $1) AS failed`,
        [generation],
      );
      return { documents: Number(row?.documents ?? 0), productionArticles: Number(row?.articles ?? 0), failed: Number(row?.failed ?? 0) };
    },

    /** A deterministic sample of a generation's documents (by a hash of the source id): the golden queries' articles. */
    async sample(generation: number, n: number): Promise<Array<{ sourceId: string; title: string }>> {
      const rows = await db.query<{ source_id: string; title: string }>(
        `SELECT source_id, title FROM ${generationTable(generation)} ORDER BY md5(source_id), source_id LIMIT $1`,
        [n],
      );
      return rows.map((r) => ({ sourceId: r.source_id, title: r.title }));
    },

    /** The plan of a search's candidate statement on a generation, as PostgreSQL's EXPLAIN (FORMAT JSON) text. */
    async explain(generation: number, request: Omit<SearchRequest, 'page'>): Promise<string> {
      const rows = await db.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (FORMAT JSON) SELECT * FROM ${candidatesSql(generationTable(generation), await headOf(generation))} c LIMIT ${SEARCH_CANDIDATES}`,
        searchParams({ ...request, page: 1 }),
      );
      return JSON.stringify(rows.map((r) => r['QUERY PLAN']));
    },

    /**
     * Milliseconds each request takes on a generation: the fastest of `rounds` runs, so a moment of load elsewhere
     * (another process, a checkpoint) does not pass for the generation's own cost; a plan that is slower is slower every run.
     */
    async timeQueries(generation: number, requests: readonly SearchRequest[], rounds = 5): Promise<number[]> {
      const medians: number[] = [];
      const head = await headOf(generation);
      for (const request of requests) {
        const times: number[] = [];
        for (let r = 0; r < rounds; r++) {
          const started = performance.now();
          await searchIn(db, generation, head, request);
          times.push(performance.now() - started);
        }
        medians.push(Math.min(...times));
      }
      return medians;
    },

    /**
     * The swap: in one transaction, with production's pointer held still (FOR SHARE), applies whatever
     * production changed since the catch-up, then points the alias at the generation. The generation
     * live before is kept. A search reads the alias once, so it sees the old generation or the new one.
     */
    async swap(generation: number, report: unknown): Promise<{ from: number | null; to: number; caughtUp: { upserted: number; removed: number } }> {
      return inTransaction(async (q) => {
        const [alias] = await q.query<{ generation: number | null }>(`SELECT generation FROM search_alias WHERE name = 'live' FOR UPDATE`);
        const from = alias?.generation == null ? null : Number(alias.generation);
        if (from === generation) return { from: null, to: generation, caughtUp: { upserted: 0, removed: 0 } };
        const [gen] = await q.query<{ status: GenerationStatus }>(`SELECT status FROM search_generations WHERE id = $1`, [generation]);
        if (gen?.status !== 'building')
          throw new SearchIndexNotFoundError(`generation ${generation} is ${gen?.status ?? 'unknown'}, not a built generation: it cannot be swapped in`);
        const watermark = await productionWatermark(q, true);
        const caughtUp = await syncTo(q, generation, watermark.releaseId);
        const [count] = await q.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${generationTable(generation)}`);
        await q.query(
          `UPDATE search_generations SET status = 'live', release_id = $2, audit_id = $3, documents = $4, report = $5::jsonb, finished_at = COALESCE(finished_at, now()), swapped_at = now() WHERE id = $1`,
          [generation, watermark.releaseId, watermark.auditId, Number(count?.n ?? 0), JSON.stringify(report)],
        );
        if (from !== null) await q.query(`UPDATE search_generations SET status = 'kept' WHERE id = $1`, [from]);
        await q.query(`UPDATE search_alias SET generation = $1, previous = $2, updated_at = now() WHERE name = 'live'`, [generation, from]);
        return { from, to: generation, caughtUp };
      });
    },

    /** Drops the tables of kept generations beyond the `keep` newest: what a rollback can no longer reach. */
    async prune(keep = 2): Promise<number[]> {
      const old = await db.query<{ id: number }>(`SELECT id FROM search_generations WHERE status = 'kept' ORDER BY id DESC OFFSET $1`, [keep]);
      const dropped: number[] = [];
      for (const { id } of old) {
        await db.exec(
          `DROP TABLE IF EXISTS ${generationTable(Number(id))}; DROP TABLE IF EXISTS ${similarTable(Number(id))}; DROP TABLE IF EXISTS ${orderTable(Number(id))};`,
        );
        await db.query(`UPDATE search_generations SET status = 'dropped' WHERE id = $1`, [id]);
        dropped.push(Number(id));
      }
      return dropped;
    },

    /** Ends a generation that will never be swapped in (verification failed, the run failed): its table goes, its row and report stay. */
    async failGeneration(generation: number, report: unknown): Promise<void> {
      await inTransaction(async (q) => {
        const [row] = await q.query<{ status: GenerationStatus }>(`SELECT status FROM search_generations WHERE id = $1 FOR UPDATE`, [generation]);
        if (row?.status !== 'building') return;
        await q.query(`UPDATE search_generations SET status = 'failed', report = $2::jsonb, finished_at = now() WHERE id = $1`, [
          generation,
          JSON.stringify(report),
        ]);
        await q.exec(
          `DROP TABLE IF EXISTS ${generationTable(generation)}; DROP TABLE IF EXISTS ${similarTable(generation)}; DROP TABLE IF EXISTS ${orderTable(generation)};`,
        );
      });
    },

    /**
     * Rollback: points the alias at the newest kept generation older than the live one (the live one is
     * kept in turn, so a full reindex is not needed to go forward again).
     */
    async rollback(): Promise<{ from: number; to: number }> {
      return inTransaction(async (q) => {
        const [alias] = await q.query<{ generation: number | null }>(`SELECT generation FROM search_alias WHERE name = 'live' FOR UPDATE`);
        const from = alias?.generation == null ? null : Number(alias.generation);
        if (from === null) throw new SearchIndexNotFoundError('there is no live search generation to roll back from');
        const [target] = await q.query<{ id: number }>(`SELECT id FROM search_generations WHERE status = 'kept' AND id < $1 ORDER BY id DESC LIMIT 1`, [from]);
        if (!target) throw new SearchIndexNotFoundError(`generation ${from} is live and no earlier generation is kept: there is nothing to roll back to`);
        const to = Number(target.id);
        const [below] = await q.query<{ id: number }>(`SELECT id FROM search_generations WHERE status = 'kept' AND id < $1 ORDER BY id DESC LIMIT 1`, [to]);
        await q.query(`UPDATE search_generations SET status = 'kept' WHERE id = $1`, [from]);
        await q.query(`UPDATE search_generations SET status = 'live', swapped_at = now() WHERE id = $1`, [to]);
        await q.query(`UPDATE search_alias SET generation = $1, previous = $2, updated_at = now() WHERE name = 'live'`, [to, below ? Number(below.id) : null]);
        return { from, to };
      });
    },

    /**
     * Incremental: brings the live generation to production's current release (only the articles that
     * changed are written) and moves its watermark. Holds the alias row, so it never interleaves with a swap.
     */
    async applyIncremental(): Promise<{ generation: number; upserted: number; removed: number; watermark: Watermark; before: Watermark }> {
      return inTransaction(async (q) => {
        const [alias] = await q.query<{ generation: number | null }>(`SELECT generation FROM search_alias WHERE name = 'live' FOR UPDATE`);
        if (alias?.generation == null) throw new SearchIndexNotFoundError('there is no live search generation to update: run `pressroom reindex --full` first');
        const generation = Number(alias.generation);
        const [gen] = await q.query<{ release_id: string | null; audit_id: string | number }>(
          `SELECT release_id, audit_id FROM search_generations WHERE id = $1`,
          [generation],
        );
        const before = { releaseId: gen?.release_id ?? null, auditId: Number(gen?.audit_id ?? 0) };
        const watermark = await productionWatermark(q, true);
        const counts = before.releaseId === watermark.releaseId ? { upserted: 0, removed: 0 } : await syncTo(q, generation, watermark.releaseId);
        const [count] = await q.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${generationTable(generation)}`);
        await q.query(`UPDATE search_generations SET release_id = $2, audit_id = $3, documents = $4 WHERE id = $1`, [
          generation,
          watermark.releaseId,
          watermark.auditId,
          Number(count?.n ?? 0),
        ]);
        return { generation, ...counts, watermark, before };
      });
    },

    /** An article's similar posts in a generation (those still in it), best first; empty when the generation is gone. */
    async similarIn(generation: number, sourceId: string): Promise<Array<{ sourceId: string; slug: string; title: string }>> {
      const table = generationTable(generation);
      try {
        const rows = await db.query<{ source_id: string; slug: string; title: string }>(
          `SELECT o.source_id, o.slug, o.title
             FROM ${similarTable(generation)} d
             CROSS JOIN LATERAL unnest(d.similar_ids) WITH ORDINALITY AS s(id, n)
             JOIN ${table} o ON o.source_id = s.id
            WHERE d.source_id = $1 AND o.source_id <> d.source_id
            ORDER BY s.n`,
          [sourceId],
        );
        return rows.map((r) => ({ sourceId: r.source_id, slug: r.slug, title: r.title }));
      } catch (error) {
        if (sqlState(error) === '42P01') return [];
        throw error;
      }
    },
  };
  return repo;
}

export type SearchRepo = ReturnType<typeof createSearchRepo>;
