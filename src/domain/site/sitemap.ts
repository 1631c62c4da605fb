import type { Environment } from '../release/model.js';
import { escapeXml } from './escape.js';
import { articlePath, indexPath } from './paths.js';

// The sitemaps.org document of an environment: its index and every article page, as absolute URLs.
// One file holds at most 50,000 URLs; a release is a few thousand articles.

export const SITEMAP_MAX_URLS = 50_000;

export type SitemapEntry = { slug: string; updatedAt: string };

/** `base` is the site's origin (and path prefix, if any) without a trailing slash, e.g. `https://alphanode.dev`. */
export function renderSitemap(base: string, environment: Environment, entries: readonly SitemapEntry[]): string {
  const root = base.replace(/\/+$/, '');
  const url = (path: string, lastmod?: string) => `<url><loc>${escapeXml(root + path)}</loc>${lastmod ? `<lastmod>${escapeXml(lastmod)}</lastmod>` : ''}</url>`;
  const urls = [url(indexPath(environment)), ...entries.slice(0, SITEMAP_MAX_URLS - 1).map((e) => url(articlePath(environment, e.slug), e.updatedAt))];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`;
}
