import { Hono } from 'hono';
import { ErrorType, errorTypeOf } from '../../domain/errors.js';
import { articlePath, renderSearchPage } from '../../domain/site/index.js';
import type { Store } from '../../store/index.js';
import { contract } from '../contract.js';
import { parseRequest, reply, sendJson, sendText, type AppEnv } from '../context.js';
import { prefersHtml } from '../negotiate.js';

// GET /search (JSON, or the results page when Accept prefers text/html) and /search/generations. A
// search reads the alias, then the live generation only. Hostile input never reaches the database as
// anything but bind parameters, and the contract refuses what is out of bounds with a 400 first.

/** The results page submits its form to /search: the one thing it may do besides its inline style. */
const SEARCH_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function searchRoutes(search: Pick<Store['search'], 'search' | 'generations' | 'liveGeneration'>): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get(contract.searchGenerations.path, async (c) => {
      parseRequest(c, 'searchGenerations');
      const [generations, live] = await Promise.all([search.generations(), search.liveGeneration()]);
      return reply(c, 'searchGenerations', { live, generations });
    })
    .get(contract.search.path, async (c) => {
      const { query } = parseRequest(c, 'search');
      let result;
      try {
        result = await search.search(query);
      } catch (error) {
        // No index yet: a retry helps once a full reindex has run.
        if (errorTypeOf(error) === ErrorType.SearchIndexNotFound)
          return sendJson(c, 503, { error: (error as Error).message, requestId: c.get('requestId') }, { 'retry-after': '60' });
        throw error;
      }
      if (prefersHtml(c.req.header('accept')))
        return sendText(c, 200, renderSearchPage(query, result), { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': SEARCH_CSP });
      return reply(c, 'search', { ...result, hits: result.hits.map((hit) => ({ ...hit, path: articlePath('production', hit.slug) })) });
    });
}
