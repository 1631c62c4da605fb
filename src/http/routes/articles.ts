import { Hono } from 'hono';
import type { Store } from '../../store/index.js';
import { contract } from '../contract.js';
import { notFound, parseRequest, reply, type AppEnv } from '../context.js';

// GET /articles and /articles/:sourceId: what is stored, for `pressroom articles`.

export function articleRoutes(articles: Pick<Store['articles'], 'list' | 'get'>): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get(contract.listArticles.path, async (c) => {
      const { query } = parseRequest(c, 'listArticles');
      const page = await articles.list({ limit: query.limit, offset: query.offset, ...(query.reviewState ? { reviewState: query.reviewState } : {}) });
      return reply(c, 'listArticles', page);
    })
    .get(contract.getArticle.path, async (c) => {
      const { params } = parseRequest(c, 'getArticle');
      const article = await articles.get(params.sourceId);
      return article ? reply(c, 'getArticle', article) : notFound(c, `no article with source id "${params.sourceId}"`);
    });
}
