import { Hono } from 'hono';
import { ErrorType, errorTypeOf } from '../../domain/errors.js';
import type { Store } from '../../store/index.js';
import type { IdentifyCandidate } from '../../store/releases.js';
import { contract } from '../contract.js';
import { notFound, parseRequest, reply, sendJson, type AppEnv } from '../context.js';
import { BadRequestError } from '../errors.js';

// GET /releases, /releases/candidate, /releases/:id and /audit: the release history, what a release
// started now would build, one release in detail, and every pointer move. `pressroom release`,
// `releases`, `release show` and `rollback` read these; nothing here writes.

export type ReleaseRouteDeps = {
  /**
   * Names a candidate the way the release activity will (src/release/build.ts identifyCandidate, handed
   * in by the worker: http does not import src/release). Without it /releases/candidate is not served.
   */
  identifyCandidate?: IdentifyCandidate | undefined;
};

type ReleaseReads = Pick<Store['releases'], 'list' | 'get' | 'environments' | 'lockHolder' | 'audit' | 'previewCandidate'>;

export function releaseRoutes(releases: ReleaseReads, deps: ReleaseRouteDeps = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>().get(contract.listReleases.path, async (c) => {
    const { query } = parseRequest(c, 'listReleases');
    const [page, environments, running] = await Promise.all([
      releases.list({ limit: query.limit, offset: query.offset, ...(query.kind ? { kind: query.kind } : {}) }),
      releases.environments(),
      releases.lockHolder(),
    ]);
    return reply(c, 'listReleases', { total: page.total, releases: page.items, environments, running });
  });

  const identify = deps.identifyCandidate;
  // Registered before /releases/:id, which would otherwise take `candidate` for a release id.
  if (identify) {
    app.get(contract.releaseCandidate.path, async (c) => {
      const { query } = parseRequest(c, 'releaseCandidate');
      try {
        return reply(c, 'releaseCandidate', await releases.previewCandidate({ only: query.only ?? null, identify }));
      } catch (error) {
        const type = errorTypeOf(error);
        const message = error instanceof Error ? error.message : String(error);
        // Nothing would change: not a malformed request, and not missing either; the state conflicts with the ask.
        if (type === ErrorType.ReleaseNotFound) return sendJson(c, 409, { error: message, requestId: c.get('requestId') });
        // Unknown or unapproved ids in `only`: the store's message names every one.
        if (type === ErrorType.InvalidInput && query.only)
          throw new BadRequestError(message, 'only', 'ids of stored articles whose current revision is approved');
        throw error;
      }
    });
  }

  return app
    .get(contract.getRelease.path, async (c) => {
      const { params, query } = parseRequest(c, 'getRelease');
      const detail = await releases.get(params.id, { limit: query.limit, offset: query.offset });
      return detail
        ? reply(c, 'getRelease', detail)
        : notFound(c, `no release "${params.id}": expected the id of a recorded release (GET /releases lists them)`);
    })
    .get(contract.listAudit.path, async (c) => {
      const { query } = parseRequest(c, 'listAudit');
      return reply(
        c,
        'listAudit',
        await releases.audit({ limit: query.limit, offset: query.offset, ...(query.environment ? { environment: query.environment } : {}) }),
      );
    });
}
