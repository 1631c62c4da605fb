import { synthesizeDocument } from '../../src/domain/article/index.js';
import type { Article } from '../../src/domain/article/index.js';
import { articleSlug } from '../../src/domain/content.js';
import { identifyCandidate } from '../../src/release/build.js';
import type { Queryable, Store } from '../../src/store/index.js';

// A released corpus for search tests: synthesized articles (the same generator the benchmarks use, so
// problems, stacks and tools repeat as in real exports), written straight into articles and
// article_revisions, approved, and released to production through the release store.

const CHUNK = 2_000;

/** The synthesized article of index i (good documents only: no bad ratio). */
export function synthArticle(seed: number, index: number): Article {
  const doc = synthesizeDocument(seed, index);
  if (!doc.expected) throw new Error(`synthesized document ${index} has no expected article`);
  return doc.expected;
}

/** Writes articles [from, from+count) of `seed` as approved articles with one new revision each (a changed one when `edit` is given). */
export async function seedSynth(db: Queryable, options: { seed?: number; from?: number; count: number; edit?: (a: Article) => Article }): Promise<Article[]> {
  const seed = options.seed ?? 7;
  const from = options.from ?? 0;
  const articles: Article[] = [];
  for (let i = from; i < from + options.count; i++) articles.push(options.edit ? options.edit(synthArticle(seed, i)) : synthArticle(seed, i));
  for (let i = 0; i < articles.length; i += CHUNK) {
    const rows = articles.slice(i, i + CHUNK).map((a) => ({ source_id: a.sourceId, slug: articleSlug(a), title: a.title, article: a }));
    await db.query(
      `WITH v AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(source_id text, slug text, title text, article jsonb)),
            up AS (
              INSERT INTO articles (source_id, slug, title, current_revision, content_hash, review_state, reviewed_by, reviewed_at)
              SELECT source_id, slug, title, 1, md5(article::text), 'approved', 'editor', now() FROM v
              ON CONFLICT (source_id) DO UPDATE SET current_revision = articles.current_revision + 1, content_hash = EXCLUDED.content_hash,
                slug = EXCLUDED.slug, title = EXCLUDED.title, review_state = 'approved', updated_at = now()
              RETURNING source_id, current_revision)
       INSERT INTO article_revisions (source_id, revision, content_hash, article)
       SELECT v.source_id, up.current_revision, md5(v.article::text), v.article FROM v JOIN up ON up.source_id = v.source_id`,
      [JSON.stringify(rows)],
    );
  }
  return articles;
}

/** Builds a release of every approved change and points staging and production at it; returns its id. */
export async function releaseAll(store: Pick<Store, 'releases'>): Promise<string> {
  const { plan } = await store.releases.createCandidate({ workflowId: 'wf-search-test', requestedBy: 'tester', only: null, identify: identifyCandidate });
  for (const environment of ['staging', 'production'] as const) {
    await store.releases.point({
      environment,
      releaseId: plan.releaseId,
      actor: 'tester',
      action: environment === 'staging' ? 'stage' : 'promote',
      workflowId: 'wf-search-test',
      reason: null,
    });
  }
  return plan.releaseId;
}

/** The article with its revision.lastReviewed set to a date, or removed (null). */
export function withLastReviewed(article: Article, lastReviewed: string | null): Article {
  const { revision, ...meta } = article.meta;
  if (lastReviewed === null) {
    if (!revision) return { ...article, meta };
    const { lastReviewed: _dropped, ...rest } = revision;
    return { ...article, meta: { ...meta, revision: rest } };
  }
  return { ...article, meta: { ...meta, revision: { ...revision, lastReviewed } } };
}
