import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for the site read API with its caching headers (brief: "Site read API conventions"):
// article pages, the index and the sitemap of one environment, each with Surrogate-Key, a strong ETag
// of what it shows and a year of s-maxage. Tests change an article's version to publish new content
// and count what reaches the backend, so a cache hit is told from a miss by the backend too.

export type SiteArticle = { sourceId: string; slug: string; title: string; version: number };

export type SiteBackend = {
  host: string;
  port: number;
  url: string;
  articles: Map<string, SiteArticle>;
  /** Requests that reached the backend, by path. */
  hits: Map<string, number>;
  etagOf(slug: string, representation?: 'json' | 'html'): string;
  /** Publishes a new index and sitemap (their ETags change). */
  bumpIndex(): void;
  close(): Promise<void>;
};

const escapeHtml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

export async function startSiteBackend(env: 'staging' | 'production', articles: SiteArticle[]): Promise<SiteBackend> {
  const bySlug = new Map(articles.map((a) => [a.slug, a]));
  const hits = new Map<string, number>();
  let indexVersion = 1;
  const etagOf = (slug: string, representation: 'json' | 'html' = 'json') => {
    const article = bySlug.get(slug);
    return article ? `"${article.sourceId}-v${article.version}-${representation}"` : '';
  };
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const html = (req.headers.accept ?? '').includes('text/html');
    const common = { 'cache-control': 'public, max-age=60, s-maxage=31536000', vary: 'Accept' };
    const article = new RegExp(`^/${env}/articles/([^/?]+)$`).exec(path);
    if (article) {
      const found = bySlug.get(decodeURIComponent(article[1]!));
      if (!found) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      const body = html
        ? `<!doctype html><title>${escapeHtml(found.title)}</title><h1>${escapeHtml(found.title)}</h1>`
        : JSON.stringify({ sourceId: found.sourceId, slug: found.slug, title: found.title, version: found.version });
      res
        .writeHead(200, {
          ...common,
          'content-type': html ? 'text/html; charset=utf-8' : 'application/json',
          etag: etagOf(found.slug, html ? 'html' : 'json'),
          'surrogate-key': `${env}:article:${found.sourceId} ${env}:site`,
        })
        .end(body);
      return;
    }
    if (path === `/${env}/` || path === `/${env}/sitemap.xml`) {
      const kind = path.endsWith('.xml') ? 'sitemap' : 'index';
      res
        .writeHead(200, { ...common, 'content-type': 'application/json', etag: `"${kind}-v${indexVersion}"`, 'surrogate-key': `${env}:${kind} ${env}:site` })
        .end(JSON.stringify({ kind, version: indexVersion, articles: bySlug.size }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}`,
    articles: bySlug,
    hits,
    etagOf,
    bumpIndex: () => void indexVersion++,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
