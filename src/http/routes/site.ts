import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import type { Environment } from '../../domain/release/model.js';
import { articlePath, renderArticlePage, renderIndexPage, renderSitemap, surrogateKey } from '../../domain/site/index.js';
import type { Article } from '../../domain/article/index.js';
import { ErrorType, PressroomError } from '../../domain/errors.js';
import type { Store } from '../../store/index.js';
import type { PublishedItem } from '../../store/site.js';
import { contract, type ReplyOf } from '../contract.js';
import { baseHeaders, JSON_TYPE, notFound, parseRequest, reply, sendText, type AppContext, type AppEnv } from '../context.js';
import { etagOf } from '../etag.js';
import { matchesIfNoneMatch, prefersHtml } from '../negotiate.js';
import { RenderCache } from '../render-cache.js';

// The public site, per environment: GET /{env}/articles/{slug} (JSON, or the HTML page when Accept
// prefers text/html), /{env}/ (the index, likewise) and /{env}/sitemap.xml. A cache in front keeps
// each answer until a release purges one of the keys in its Surrogate-Key header; a browser keeps it
// a minute. Which release a page shows is decided by ONE store read, so a page never mixes two
// releases; an article page then takes the pinned revision's body from the render cache, or fetches
// and renders it (revisions are immutable, so either way it is that release's content).

export type SiteRouteDeps = {
  /** Similar posts for article pages, from the live search generation (none when absent). */
  similarIn?: Store['search']['similarIn'] | undefined;
  /** The site's public origin for the sitemap's absolute URLs (SITE_URL); unset means the request's own origin. */
  siteUrl?: string | undefined;
  /** Rendered article bodies kept across requests (default: a cache of RENDER_CACHE_BYTES of its own). */
  renderCache?: RenderCache;
};

/** The render cache's default bound: a release's worth of pages in each representation for typical articles, well inside the worker's memory budget. */
export const RENDER_CACHE_BYTES = 32 * 1024 * 1024;

/** Bumped whenever the HTML or JSON a route renders changes for the same content, so old ETags stop matching. */
const RENDER_VERSION = 'site-2';
const CACHE_CONTROL = 'public, max-age=60, s-maxage=31536000';
/** The pages load nothing and run nothing: their one inline style is all they may use. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const HTML_TYPE = 'text/html; charset=utf-8';

function cacheHeaders(keys: readonly string[], etag: string, varyOnAccept: boolean): Record<string, string> {
  return { 'cache-control': CACHE_CONTROL, etag, 'surrogate-key': keys.join(' '), ...(varyOnAccept ? { vary: 'Accept' } : {}) };
}

/**
 * A 200 article page, with sendText's headers. Behind the node listener it is written straight to the
 * node response: a web Response (undici's: the adapter keeps its own out of the globals) costs a body
 * stream, a reader and several awaits per request, the largest share of a page served from the render
 * cache. HEAD (hono runs the GET route for it) gets the headers and no body, as hono would send.
 */
function sendPage(c: AppContext, body: Buffer, headers: Record<string, string>): Response {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (!outgoing || outgoing.headersSent) return sendText(c, 200, body.toString('utf8'), headers);
  outgoing.writeHead(200, { 'cache-control': 'no-store', ...baseHeaders(c.get('requestId')), ...headers, 'content-length': String(body.byteLength) });
  if (c.req.method === 'HEAD') outgoing.end();
  else outgoing.end(body);
  return RESPONSE_ALREADY_SENT;
}

function notModified(c: AppContext, headers: Record<string, string>): Response {
  return new Response(null, { status: 304, headers: { ...baseHeaders(c.get('requestId')), ...headers } });
}

/** A 304 when the client holds this version, else the body; the same validators and keys on both. */
function answer(
  c: AppContext,
  headers: Record<string, string>,
  body: () => Response | { text: string; type: string; extra?: Record<string, string> },
): Response {
  if (matchesIfNoneMatch(c.req.header('if-none-match'), headers.etag ?? '')) return notModified(c, headers);
  const made = body();
  if (made instanceof Response) return made;
  return sendText(c, 200, made.text, { ...headers, 'content-type': made.type, ...(made.extra ?? {}) });
}

/** Misses are not cached: a release that adds the article purges by its key, which a miss never carried. */
function missing(c: AppContext, environment: Environment, error: string): Response {
  return notFound(c, error, { 'surrogate-key': surrogateKey.site(environment) });
}

const noRelease = (environment: Environment) => `no release in ${environment} yet: nothing is published there`;
const noArticle = (environment: Environment, slug: string, release: { id: string; tag: string | null }) =>
  `no article with slug "${slug}" in the ${environment} release ${release.tag ?? release.id}`;

type Representation = 'json' | 'html';
type SimilarPost = { sourceId: string; slug: string; title: string };

/**
 * Where a rendered article body is kept: everything it is a function of. A JSON body differs between
 * environments only in its leading `environment` member, so the cache keeps the rest once for both.
 */
function renderKey(environment: Environment, representation: Representation, item: PublishedItem, searchGeneration: number | null): string {
  const scope = representation === 'html' ? environment : '';
  return [RENDER_VERSION, representation, scope, item.sourceId, item.slug, item.title, String(item.revision), item.contentHash, String(searchGeneration)].join(
    '\u0000',
  );
}

/** The JSON body's start, up to its first member after `environment` (which is the body's first member, as the route builds it). */
const JSON_HEADS: Record<Environment, Buffer> = {
  staging: Buffer.from('{"environment":"staging",'),
  production: Buffer.from('{"environment":"production",'),
};

/** The article page's JSON body, as the contract types it; what the cache keeps is the part after its JSON_HEADS entry. */
function articleJsonTail(environment: Environment, item: PublishedItem, article: Article, similar: readonly SimilarPost[]): Buffer {
  const body: ReplyOf<'siteArticle'> = { environment, ...item, article, similar: similar.map((p) => ({ ...p, path: articlePath(environment, p.slug) })) };
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  const head = JSON_HEADS[environment];
  if (!bytes.subarray(0, head.byteLength).equals(head)) {
    throw new PressroomError(ErrorType.Unexpected, `the article JSON body does not start with ${head.toString()}: the render cache cannot share it`);
  }
  // A copy, so the cache does not hold the whole allocation the tail is a view of.
  return Buffer.from(bytes.subarray(head.byteLength));
}

export function siteRoutes(site: Pick<Store['site'], 'entry' | 'revision' | 'index'>, deps: SiteRouteDeps = {}): Hono<AppEnv> {
  const renders = deps.renderCache ?? new RenderCache(RENDER_CACHE_BYTES);

  const index = async (c: AppContext) => {
    const { params } = parseRequest(c, 'siteIndex');
    const env = params.env;
    const read = await site.index(env);
    if (!read) return missing(c, env, noRelease(env));
    const html = prefersHtml(c.req.header('accept'));
    const etag = etagOf([RENDER_VERSION, 'index', html ? 'html' : 'json', env, read.release.id, read.release.manifestHash]);
    const headers = cacheHeaders([surrogateKey.index(env), surrogateKey.site(env)], etag, true);
    return answer(c, headers, () => {
      if (html)
        return {
          text: renderIndexPage({ environment: env, release: read.release, articles: read.articles }),
          type: HTML_TYPE,
          extra: { 'content-security-policy': PAGE_CSP },
        };
      const body: ReplyOf<'siteIndex'> = {
        environment: env,
        release: read.release,
        articles: read.articles.map((a) => ({ ...a, path: articlePath(env, a.slug) })),
      };
      return reply(c, 'siteIndex', body, headers);
    });
  };

  return new Hono<AppEnv>()
    .get(contract.siteArticle.path, async (c) => {
      const { params } = parseRequest(c, 'siteArticle');
      const { env, slug } = params;
      const read = await site.entry(env, slug);
      if (!read) return missing(c, env, noRelease(env));
      const item = read.item;
      if (!item) return missing(c, env, noArticle(env, slug, read.release));
      const representation: Representation = prefersHtml(c.req.header('accept')) ? 'html' : 'json';
      const etag = etagOf([RENDER_VERSION, 'article', representation, env, item.slug, String(item.revision), item.contentHash, String(read.searchGeneration)]);
      const headers = cacheHeaders([surrogateKey.article(env, item.sourceId), surrogateKey.site(env), surrogateKey.similar(env)], etag, true);
      if (matchesIfNoneMatch(c.req.header('if-none-match'), etag)) return notModified(c, headers);
      const key = renderKey(env, representation, item, read.searchGeneration);
      let body = renders.get(key);
      if (body === undefined) {
        const article = await site.revision(item.sourceId, item.revision);
        // The item's foreign key keeps its revision; a revision gone all the same is "no such article", never another one.
        if (!article) return missing(c, env, noArticle(env, slug, read.release));
        const similar = read.searchGeneration !== null && deps.similarIn ? await deps.similarIn(read.searchGeneration, item.sourceId) : [];
        body =
          representation === 'html'
            ? Buffer.from(renderArticlePage({ environment: env, ...item, article, similar }), 'utf8')
            : articleJsonTail(env, item, article, similar);
        renders.set(key, body);
      }
      if (representation === 'html') return sendPage(c, body, { ...headers, 'content-type': HTML_TYPE, 'content-security-policy': PAGE_CSP });
      const head = JSON_HEADS[env];
      return sendPage(c, Buffer.concat([head, body], head.byteLength + body.byteLength), { ...headers, 'content-type': JSON_TYPE });
    })
    .get(contract.siteIndex.path, index)
    .get(contract.siteIndex.path.replace(/\/$/, ''), index)
    .get(contract.sitemap.path, async (c) => {
      const { params } = parseRequest(c, 'sitemap');
      const env = params.env;
      const read = await site.index(env);
      if (!read) return missing(c, env, noRelease(env));
      const base = deps.siteUrl ?? new URL(c.req.url).origin;
      const etag = etagOf([RENDER_VERSION, 'sitemap', base, env, read.release.id, read.release.manifestHash]);
      const headers = cacheHeaders([surrogateKey.sitemap(env), surrogateKey.site(env)], etag, false);
      return answer(c, headers, () => ({ text: renderSitemap(base, env, read.articles), type: 'application/xml; charset=utf-8' }));
    });
}
