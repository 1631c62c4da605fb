import type { Environment } from '../release/model.js';

// The site's URL paths and surrogate keys: the one vocabulary the HTTP routes serve, and that a
// release's purge and verification name. A key is what the `Surrogate-Key` header lists and a purge
// names; every site response carries its environment's site key too, so one purge can clear it all.

export function indexPath(environment: Environment): string {
  return `/${environment}/`;
}

export function articlePath(environment: Environment, slug: string): string {
  return `/${environment}/articles/${encodeURIComponent(slug)}`;
}

export function sitemapPath(environment: Environment): string {
  return `/${environment}/sitemap.xml`;
}

export const surrogateKey = {
  site: (environment: Environment) => `${environment}:site`,
  article: (environment: Environment, sourceId: string) => `${environment}:article:${sourceId}`,
  index: (environment: Environment) => `${environment}:index`,
  sitemap: (environment: Environment) => `${environment}:sitemap`,
  /** On every article page: its similar posts come from the live search generation, so a reindex that changes them purges this key. */
  similar: (environment: Environment) => `${environment}:similar`,
};
