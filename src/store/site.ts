import type { Article } from '../domain/article/index.js';
import type { Environment } from '../domain/release/model.js';
import type { Queryable } from './db.js';

// What the public site reads: the release an environment points at, and the exact revisions it
// publishes. What decides which release a read shows is ONE statement from environments through
// release_items, so a reader racing a pointer move (one UPDATE of environments.release_id) sees the
// old release or the new one, never an index or a page stitched from both. An article page is read in
// two steps: `entry` pins the release's item (source id, revision, content hash, slug, title), then
// `revision` fetches that revision's article. Revisions are immutable, so the second step cannot show
// another release's content; and a page rendered before (the HTTP layer keeps them) needs no second step.

/** The release an environment serves. */
export type ServedRelease = { id: string; tag: string | null; manifestHash: string };

/** One article as a release publishes it: the revision, and the slug and title it is served under. */
export type PublishedArticle = { sourceId: string; slug: string; title: string; revision: number; contentHash: string; article: Article };

export type PublishedEntry = Omit<PublishedArticle, 'article'> & {
  /** meta.summary, else the lede: what the index shows under the title. */
  summary: string | null;
  /** When the revision was stored, ISO 8601: the sitemap's lastmod. */
  updatedAt: string;
};

/** An article's place in a release, without its content: enough for the ETag and the surrogate key. */
export type PublishedItem = Omit<PublishedArticle, 'article'>;

/**
 * No release in the environment yet is `undefined`; a release without that slug has `item: undefined`.
 * `searchGeneration` is the live search generation (similar posts come from it), null before the first reindex.
 */
export type EntryRead = { release: ServedRelease; item: PublishedItem | undefined; searchGeneration: number | null } | undefined;

/** No release in the environment yet is `undefined`; a release without that slug has `article: undefined`. */
export type ArticleRead = { release: ServedRelease; article: PublishedArticle | undefined } | undefined;
export type IndexRead = { release: ServedRelease; articles: PublishedEntry[] } | undefined;

type EntryRow = {
  search_generation?: number | null;
  release_id: string;
  tag: string | null;
  manifest_hash: string;
  source_id: string | null;
  slug: string | null;
  title: string | null;
  revision: number | null;
  content_hash: string | null;
};

type IndexRow = EntryRow & { summary: string | null; created_at: Date | string | null };

const iso = (value: Date | string): string => (value instanceof Date ? value.toISOString() : new Date(value).toISOString());

export function createSiteRepo(db: Queryable) {
  const repo = {
    /** Which revision the environment's release publishes under `slug`, and the release: one statement. */
    async entry(environment: Environment, slug: string): Promise<EntryRead> {
      // The LEFT JOIN keeps the release row when the slug is not in it: "no such article" and "no release
      // yet" (no row at all) are told apart by the same statement.
      const [row] = await db.query<EntryRow>(
        `SELECT r.id AS release_id, r.tag, r.manifest_hash,
                i.source_id, i.slug, i.title, i.revision, i.content_hash,
                (SELECT generation FROM search_alias WHERE name = 'live') AS search_generation
           FROM environments e
           JOIN releases r ON r.id = e.release_id
           LEFT JOIN release_items i ON i.release_id = r.id AND i.slug = $2
          WHERE e.name = $1`,
        [environment, slug],
      );
      if (!row) return undefined;
      const release = { id: row.release_id, tag: row.tag, manifestHash: row.manifest_hash };
      const searchGeneration = row.search_generation == null ? null : Number(row.search_generation);
      if (row.source_id === null || row.revision === null) return { release, item: undefined, searchGeneration };
      return {
        release,
        searchGeneration,
        item: {
          sourceId: row.source_id,
          slug: row.slug ?? slug,
          title: row.title ?? '',
          revision: Number(row.revision),
          contentHash: row.content_hash ?? '',
        },
      };
    },

    /** One stored revision's article; `undefined` when no such revision exists. */
    async revision(sourceId: string, revision: number): Promise<Article | undefined> {
      const [row] = await db.query<{ article: Article }>('SELECT article FROM article_revisions WHERE source_id = $1 AND revision = $2', [sourceId, revision]);
      return row?.article;
    },

    /** The article page's whole read: `entry`, then the revision it pins. */
    async article(environment: Environment, slug: string): Promise<ArticleRead> {
      const read = await repo.entry(environment, slug);
      if (!read) return undefined;
      const { release, item } = read;
      if (!item) return { release, article: undefined };
      // release_items references article_revisions (a foreign key), so the pinned revision exists.
      const article = await repo.revision(item.sourceId, item.revision);
      if (!article) return { release, article: undefined };
      return { release, article: { ...item, article } };
    },

    /** Every article the environment's release publishes, by slug (byte order, the same on every database). */
    async index(environment: Environment): Promise<IndexRead> {
      const rows = await db.query<IndexRow>(
        `SELECT r.id AS release_id, r.tag, r.manifest_hash,
                i.source_id, i.slug, i.title, i.revision, i.content_hash,
                COALESCE(NULLIF(ar.article->'meta'->>'summary', ''), ar.article->>'lede') AS summary,
                ar.created_at
           FROM environments e
           JOIN releases r ON r.id = e.release_id
           LEFT JOIN release_items i ON i.release_id = r.id
           LEFT JOIN article_revisions ar ON ar.source_id = i.source_id AND ar.revision = i.revision
          WHERE e.name = $1
          ORDER BY i.slug COLLATE "C"`,
        [environment],
      );
      const [first] = rows;
      if (!first) return undefined;
      const release = { id: first.release_id, tag: first.tag, manifestHash: first.manifest_hash };
      const articles: PublishedEntry[] = [];
      for (const row of rows) {
        // A release without items comes back as one row of NULLs beside the release.
        if (row.source_id === null || row.slug === null) continue;
        articles.push({
          sourceId: row.source_id,
          slug: row.slug,
          title: row.title ?? '',
          revision: Number(row.revision),
          contentHash: row.content_hash ?? '',
          summary: row.summary,
          updatedAt: row.created_at === null ? new Date(0).toISOString() : iso(row.created_at),
        });
      }
      return { release, articles };
    },
  };
  return repo;
}
