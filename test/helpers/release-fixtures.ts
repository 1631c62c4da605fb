import { Article } from '../../src/domain/article/index.js';
import type { Queryable } from '../../src/store/index.js';

// Articles for release tests: a valid canonical Article, and set-based seeding of thousands of them
// straight into articles / article_revisions (an import of 5,000 documents would dwarf the test).

export function sampleArticle(sourceId: string, overrides: { title?: string; needsHumanReview?: boolean } = {}): Article {
  return Article.parse({
    sourceId,
    title: overrides.title ?? `handling background jobs in python ${sourceId}`,
    lede: 'this field note explains how the team runs background jobs safely.',
    sections: [
      {
        heading: null,
        blocks: [
          { type: 'paragraph', text: 'queues hold the work, workers take it, and every job is idempotent so a retry never does it twice.' },
          { type: 'code', text: 'from rq import Queue\nq = Queue()' },
          { type: 'image', caption: 'the queue and its workers', source: 'example.com' },
        ],
      },
    ],
    meta: {
      summary: 'how to run background jobs safely.',
      codeLanguage: 'python',
      readingTimeMinutes: 1,
      images: [{ source: 'example.com', url: 'https://example.com/queue.png', caption: 'the queue and its workers' }],
      flags: { needsHumanReview: overrides.needsHumanReview ?? false },
      payload: { sourceId },
    },
  });
}

export const idOf = (prefix: string, n: number) => `${prefix}${String(n).padStart(6, '0')}`;

export type SeedOptions = {
  prefix?: string;
  from?: number;
  count: number;
  state?: 'pending' | 'approved' | 'rejected';
  reviewer?: string | null;
  needsHumanReview?: boolean;
};

/** Inserts articles [from, from+count) with one revision each, in two statements. Returns their ids. */
export async function seedArticles(db: Queryable, options: SeedOptions): Promise<string[]> {
  const prefix = options.prefix ?? 'art-';
  const from = options.from ?? 1;
  const template = JSON.stringify(sampleArticle('template-id', { needsHumanReview: options.needsHumanReview ?? false }));
  const params = [prefix, from, from + options.count - 1, options.state ?? 'approved', options.reviewer === undefined ? 'editor' : options.reviewer, template];
  await db.query(
    `INSERT INTO articles (source_id, slug, title, current_revision, content_hash, review_state, reviewed_by, reviewed_at)
     SELECT $1 || lpad(g::text, 6, '0'), 'article--' || $1 || lpad(g::text, 6, '0'), 'title of ' || $1 || lpad(g::text, 6, '0'), 1,
            md5($1 || g || ':1'), $4, $5, CASE WHEN $5::text IS NULL THEN NULL ELSE now() END
       FROM generate_series($2::int, $3::int) g`,
    params.slice(0, 5),
  );
  await db.query(
    `INSERT INTO article_revisions (source_id, revision, content_hash, article)
     SELECT id, 1, md5(id || ':1'),
            jsonb_set(jsonb_set(jsonb_set($4::jsonb, '{sourceId}', to_jsonb(id)), '{meta,payload,sourceId}', to_jsonb(id)), '{title}', to_jsonb('title of ' || id))
       FROM (SELECT $1 || lpad(g::text, 6, '0') AS id FROM generate_series($2::int, $3::int) g) s`,
    [prefix, from, from + options.count - 1, template],
  );
  return Array.from({ length: options.count }, (_, i) => idOf(prefix, from + i));
}

/** Gives each article a new current revision (a changed lede and title) in the given review state. */
export async function reviseArticles(db: Queryable, ids: readonly string[], state: 'pending' | 'approved', reviewer: string | null = 'editor'): Promise<void> {
  await db.query(
    `INSERT INTO article_revisions (source_id, revision, content_hash, article)
     SELECT a.source_id, a.current_revision + 1, md5(a.source_id || ':' || (a.current_revision + 1)),
            jsonb_set(jsonb_set(r.article, '{lede}', to_jsonb('revised as revision ' || (a.current_revision + 1) || '.')), '{title}',
                      to_jsonb('title of ' || a.source_id || ' r' || (a.current_revision + 1)))
       FROM articles a JOIN article_revisions r ON r.source_id = a.source_id AND r.revision = a.current_revision
      WHERE a.source_id = ANY($1::text[])`,
    [[...ids]],
  );
  await db.query(
    `UPDATE articles SET current_revision = current_revision + 1, content_hash = md5(source_id || ':' || (current_revision + 1)),
            title = 'title of ' || source_id || ' r' || (current_revision + 1), review_state = $2, reviewed_by = $3
      WHERE source_id = ANY($1::text[])`,
    [[...ids], state, reviewer],
  );
}

export async function setReview(
  db: Queryable,
  ids: readonly string[],
  state: 'pending' | 'approved' | 'rejected',
  reviewer: string | null = 'editor',
): Promise<void> {
  await db.query('UPDATE articles SET review_state = $2, reviewed_by = $3 WHERE source_id = ANY($1::text[])', [[...ids], state, reviewer]);
}

/** Replaces one article's current revision body (a checks test breaks content on purpose). */
export async function replaceCurrentArticle(db: Queryable, sourceId: string, article: unknown): Promise<void> {
  await db.query(
    'UPDATE article_revisions r SET article = $2 FROM articles a WHERE a.source_id = $1 AND r.source_id = a.source_id AND r.revision = a.current_revision',
    [sourceId, JSON.stringify(article)],
  );
}
