import { createHash } from 'node:crypto';
import type { ManifestChange } from '../domain/release/diff.js';
import type { Environment } from '../domain/release/model.js';
import { articlePath, indexPath, sitemapPath, surrogateKey } from '../domain/site/index.js';
import { ReleaseNotFoundError } from '../domain/release/errors.js';
import type { Store } from '../store/index.js';
import type { PurgeTarget } from './purger.js';
import type { RouteExpectation } from './verify.js';

// The routes a release changes in one environment, between the release it replaces and itself: each
// added, updated or removed article's page, plus the index and the sitemap (they list articles but not
// their keys, so they are purged by name). Purged by surrogate key and by path; verified by status,
// title and ETag. Unchanged articles are neither purged nor fetched.

/**
 * Must equal RENDER_VERSION in src/http/routes/site.ts: the ETag of a page covers the renderer, so a
 * verification against another renderer's ETags fails (test/activities/release.test.ts serves the real
 * routes to keep the two in step).
 */
export const SITE_RENDER_VERSION = 'site-2';

/** The same strong ETag as src/http/etag.ts etagOf: sha256 of the parts, base64url, 32 characters, quoted. */
function etagOf(parts: readonly string[]): string {
  return `"${createHash('sha256').update(parts.join('\u0000'), 'utf8').digest('base64url').slice(0, 32)}"`;
}

export type Representation = 'json' | 'html';

/**
 * The ETag the site answers an article page with: its revision's content, under this slug, in this
 * representation, with the similar posts of this search generation (null: no search index yet).
 */
export function expectedArticleEtag(
  environment: Environment,
  article: { slug: string; revision: number; contentHash: string },
  representation: Representation = 'json',
  searchGeneration: number | null = null,
): string {
  return etagOf([
    SITE_RENDER_VERSION,
    'article',
    representation,
    environment,
    article.slug,
    String(article.revision),
    article.contentHash,
    String(searchGeneration),
  ]);
}

/** The ETag of an environment's index while it serves this release. */
export function expectedIndexEtag(environment: Environment, release: { id: string; manifestHash: string }, representation: Representation = 'json'): string {
  return etagOf([SITE_RENDER_VERSION, 'index', representation, environment, release.id, release.manifestHash]);
}

export type ReleaseRoutes = PurgeTarget & {
  /** What verification fetches: every added or updated page, the index and the sitemap (a removed page answers 404, so it is only purged). */
  verify: RouteExpectation[];
};

/** Pure: the purge target and the verification list for a set of changes, in source-id order. */
export function affectedRoutes(
  environment: Environment,
  release: { id: string; manifestHash: string },
  changes: readonly ManifestChange[],
  searchGeneration: number | null = null,
): ReleaseRoutes {
  const keys: string[] = [];
  const paths: string[] = [];
  const verify: RouteExpectation[] = [];
  for (const change of changes) {
    const path = articlePath(environment, change.slug);
    keys.push(surrogateKey.article(environment, change.sourceId));
    paths.push(path);
    if (change.kind !== 'removed' && change.to !== null && change.contentHash !== null) {
      verify.push({
        path,
        title: change.title,
        etag: expectedArticleEtag(environment, { slug: change.slug, revision: change.to, contentHash: change.contentHash }, 'json', searchGeneration),
      });
    }
  }
  keys.push(surrogateKey.index(environment), surrogateKey.sitemap(environment));
  paths.push(indexPath(environment), sitemapPath(environment));
  // The sitemap's ETag covers the site's public origin, which only the HTTP layer knows: status only.
  verify.push({ path: indexPath(environment), etag: expectedIndexEtag(environment, release) }, { path: sitemapPath(environment) });
  return { keys, paths, verify };
}

/** The routes that differ between `previous` (null: nothing was served) and `releaseId` in one environment. */
export async function routesBetween(
  store: Pick<Store, 'releases' | 'search'>,
  environment: Environment,
  releaseId: string,
  previous: string | null,
): Promise<ReleaseRoutes> {
  const release = await store.releases.summary(releaseId);
  if (!release) throw new ReleaseNotFoundError(`no release ${releaseId}: expected a recorded release`);
  const changes = previous === releaseId ? [] : await store.releases.changes(releaseId, previous);
  // Article pages show the live search generation's similar posts: a swap during verification fails one try, and the retry reads the new one.
  return affectedRoutes(environment, { id: release.id, manifestHash: release.manifestHash }, changes, await store.search.liveGeneration());
}
