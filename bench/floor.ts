// The floor: the least work any import of these documents must make the database do. The documents
// are parsed beforehand (untimed) into canonical JSON rows in a COPY file; what is timed is one COPY
// of that file into a temporary table and one set-based INSERT … SELECT into articles and
// article_revisions, in one transaction. No manifest, no per-batch bookkeeping, no claims, no results:
// the import's cost above this is what listing, batching, durability and exact reporting add.
import { once } from 'node:events';
import { createReadStream, createWriteStream, openAsBlob } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { articleSlug, stableStringify } from '../src/domain/content.js';
import { initialReviewState, type ReviewPolicy } from '../src/domain/review.js';
import { readDocuments, sha256 } from '../src/sources/documents.js';
import type { DatabaseConfig } from '../src/store/index.js';

export type FloorFile = { path: string; rows: number; bytes: number };
export type FloorResult = { ms: number; rows: number; created: number; method: string };

/** COPY's text format: backslash, tab, newline and carriage return escaped. */
function copyField(text: string): string {
  return text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/**
 * Parses every document of the source the way the import does and writes each accepted one as a row
 * of the COPY file, streamed (bounded memory whatever the size). Untimed: the floor is pre-parsed.
 */
export async function writeFloorFile(source: string, path: string, policy: ReviewPolicy): Promise<FloorFile> {
  const out = createWriteStream(path);
  let rows = 0;
  let bytes = 0;
  for await (const doc of readDocuments(source)) {
    if (!doc.result.ok) continue;
    const article = doc.result.article;
    const canonical = stableStringify(article);
    const row =
      [
        rows,
        article.sourceId,
        articleSlug(article),
        article.title,
        sha256(canonical),
        initialReviewState(policy, article.meta.flags?.needsHumanReview === true),
        canonical,
      ]
        .map((v) => copyField(String(v)))
        .join('\t') + '\n';
    rows++;
    bytes += Buffer.byteLength(row);
    if (!out.write(row)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { path, rows, bytes };
}

const STAGE = `CREATE TEMP TABLE floor_in (ord bigint, source_id text, slug text, title text, content_hash text, review_state text, article jsonb) ON COMMIT DROP`;
const COLUMNS = '(ord, source_id, slug, title, content_hash, review_state, article)';
// The first row per sourceId wins (as in an import; grouped on the narrow columns, never sorting the
// JSON), a row whose slug is taken is skipped, and only the articles inserted get their revision.
const UPSERT = `
  WITH firsts AS (SELECT min(ord) AS ord FROM floor_in GROUP BY source_id),
  inserted AS (
    INSERT INTO articles (source_id, slug, title, current_revision, content_hash, review_state)
    SELECT f.source_id, f.slug, f.title, 1, f.content_hash, f.review_state FROM floor_in f JOIN firsts USING (ord) ORDER BY ord
    ON CONFLICT DO NOTHING RETURNING source_id
  )
  INSERT INTO article_revisions (source_id, revision, content_hash, article, import_run)
  SELECT f.source_id, 1, f.content_hash, f.article, 'floor' FROM floor_in f JOIN firsts USING (ord) JOIN inserted USING (source_id)`;

/** One COPY + one INSERT … SELECT, timed, into a migrated, empty database. */
export async function runFloor(database: DatabaseConfig, file: FloorFile): Promise<FloorResult> {
  if (database.kind === 'postgres') {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const start = performance.now();
      await client.query('BEGIN');
      await client.query(STAGE);
      await pipeline(createReadStream(file.path), client.query(copyFrom(`COPY floor_in ${COLUMNS} FROM STDIN`)));
      const result = await client.query(UPSERT);
      await client.query('COMMIT');
      return { ms: performance.now() - start, rows: file.rows, created: result.rowCount ?? 0, method: 'COPY FROM STDIN (pg-copy-streams) + INSERT … SELECT' };
    } finally {
      await client.end();
    }
  }
  // PGlite reads COPY data from a Blob it is handed as /dev/blob; a file-backed Blob is not read ahead.
  const db = await PGlite.create(database.dataDir);
  try {
    const blob = await openAsBlob(file.path);
    const start = performance.now();
    const created = await db.transaction(async (tx) => {
      await tx.query(STAGE);
      await tx.query(`COPY floor_in ${COLUMNS} FROM '/dev/blob'`, [], { blob });
      const result = await tx.query(UPSERT);
      return result.affectedRows ?? 0;
    });
    return { ms: performance.now() - start, rows: file.rows, created, method: "COPY FROM '/dev/blob' (PGlite) + INSERT … SELECT" };
  } finally {
    await db.close();
  }
}
