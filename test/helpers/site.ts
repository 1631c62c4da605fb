import type { Article } from '../../src/domain/article/index.js';
import { articleSlug } from '../../src/domain/content.js';
import type { Environment } from '../../src/domain/release/model.js';
import type { Queryable } from '../../src/store/index.js';

// Published content for site tests, written by plain SQL into the tables migration 6 made: the site's
// reads are tested apart from whatever builds releases.

export function articleFixture(sourceId: string, title: string, meta: Partial<Article['meta']> = {}): Article {
  return {
    sourceId,
    title,
    lede: `the lede of ${title}`,
    sections: [
      {
        heading: 'first heading',
        blocks: [
          { type: 'paragraph', text: `body of ${title}` },
          { type: 'code', text: 'let x = 1 < 2 && 3 > 2;' },
          { type: 'list', items: ['item a', 'item b'] },
        ],
      },
    ],
    meta: { payload: { sourceId }, ...meta },
  };
}

/** Stores one revision (and the article row at its first revision); returns its content hash. */
export async function seedRevision(db: Queryable, article: Article, revision: number): Promise<string> {
  const contentHash = `${article.sourceId.replace(/[^a-z0-9]/g, '')}${revision}`.padEnd(16, '0');
  if (revision === 1) {
    await db.query(`INSERT INTO articles (source_id, slug, title, current_revision, content_hash, review_state) VALUES ($1, $2, $3, 1, $4, 'approved')`, [
      article.sourceId,
      articleSlug(article),
      article.title,
      contentHash,
    ]);
  } else {
    await db.query('UPDATE articles SET current_revision = $2, content_hash = $3 WHERE source_id = $1', [article.sourceId, revision, contentHash]);
  }
  await db.query('INSERT INTO article_revisions (source_id, revision, content_hash, article) VALUES ($1, $2, $3, $4)', [
    article.sourceId,
    revision,
    contentHash,
    JSON.stringify(article),
  ]);
  return contentHash;
}

export type SeedItem = { article: Article; revision: number; contentHash: string };

/** A release row and its items (slug from the article's first title, as the articles table keeps it). */
export async function seedRelease(db: Queryable, id: string, items: readonly SeedItem[], options: { tag?: string; manifestHash?: string } = {}): Promise<void> {
  await db.query(`INSERT INTO releases (id, kind, status, manifest_hash, tag, articles, diff) VALUES ($1, 'release', 'live', $2, $3, $4, '{}'::jsonb)`, [
    id,
    options.manifestHash ?? `manifest-${id}`,
    options.tag ?? null,
    items.length,
  ]);
  for (const item of items) {
    const [row] = await db.query<{ slug: string }>('SELECT slug FROM articles WHERE source_id = $1', [item.article.sourceId]);
    await db.query('INSERT INTO release_items (release_id, source_id, revision, slug, title, content_hash) VALUES ($1, $2, $3, $4, $5, $6)', [
      id,
      item.article.sourceId,
      item.revision,
      row?.slug,
      item.article.title,
      item.contentHash,
    ]);
  }
}

export async function pointEnvironment(db: Queryable, environment: Environment, releaseId: string | null): Promise<void> {
  await db.query('UPDATE environments SET release_id = $2, updated_at = now() WHERE name = $1', [environment, releaseId]);
}
