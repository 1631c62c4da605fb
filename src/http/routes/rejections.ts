import { Hono } from 'hono';
import type { Store } from '../../store/index.js';
import { contract } from '../contract.js';
import { parseRequest, reply, type AppEnv } from '../context.js';

// GET /rejections: quarantined documents and why, for `pressroom rejections`.

export function rejectionRoutes(imports: Pick<Store['imports'], 'rejections'>): Hono<AppEnv> {
  return new Hono<AppEnv>().get(contract.listRejections.path, async (c) => {
    const { query } = parseRequest(c, 'listRejections');
    return reply(c, 'listRejections', await imports.rejections({ limit: query.limit, offset: query.offset, includeResolved: query.all }));
  });
}
