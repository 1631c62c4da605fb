import type { Hono } from 'hono';
import type { Store } from '../../store/index.js';
import type { AppEnv } from '../context.js';
import { articleRoutes } from './articles.js';
import { importRoutes, type ImportRouteDeps } from './imports.js';
import { rejectionRoutes } from './rejections.js';
import { releaseRoutes, type ReleaseRouteDeps } from './releases.js';
import { searchRoutes } from './search.js';
import { siteRoutes, type SiteRouteDeps } from './site.js';

// The read API over the store: one route file per resource, each a factory taking the repository it
// reads. A new resource (releases, say) is a contract entry, a file here answering through the
// contract (`parseRequest` in, `reply` out) and one line below.

export type ReadApiDeps = ImportRouteDeps & SiteRouteDeps & ReleaseRouteDeps;

export function readApi(store: Pick<Store, 'articles' | 'imports' | 'site' | 'releases' | 'search'>, deps: ReadApiDeps = {}): Array<Hono<AppEnv>> {
  return [
    articleRoutes(store.articles),
    rejectionRoutes(store.imports),
    importRoutes(store.imports, deps),
    siteRoutes(store.site, { similarIn: (generation, sourceId) => store.search.similarIn(generation, sourceId), ...deps }),
    releaseRoutes(store.releases, deps),
    searchRoutes(store.search),
  ];
}

export type { WorkflowState, WorkflowStatusLookup } from './imports.js';
