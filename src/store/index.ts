import type { Db, Queryable } from './db.js';
import { migrate } from './migrations.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { createArticleRepo } from './articles.js';
import { createFreshnessRepo } from './freshness.js';
import { createImportRepo } from './imports.js';
import { createProbeRepo } from './probes.js';
import { createReleaseRepo } from './releases.js';
import { createSearchRepo } from './search.js';
import { createSiteRepo } from './site.js';

export type DatabaseConfig = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };

export type Store = {
  db: Db;
  probes: ReturnType<typeof createProbeRepo>;
  articles: ReturnType<typeof createArticleRepo>;
  imports: ReturnType<typeof createImportRepo>;
  site: ReturnType<typeof createSiteRepo>;
  releases: ReturnType<typeof createReleaseRepo>;
  search: ReturnType<typeof createSearchRepo>;
  freshness: ReturnType<typeof createFreshnessRepo>;
  close(): Promise<void>;
};

export type StoreOptions = {
  /**
   * PostgreSQL connections at most. A worker passes at least its activity slots (plus room for its HTTP
   * API): a smaller pool makes activities wait for a connection inside their timeouts. PGlite has one.
   */
  poolSize?: number;
};

export async function openDb(config: DatabaseConfig, options: StoreOptions = {}): Promise<Db> {
  return config.kind === 'postgres' ? openPostgres(config.url, { max: options.poolSize }) : openPglite(config.dataDir);
}

/** Opens the database, applies pending migrations and builds the table-group repositories. */
export async function openStore(config: DatabaseConfig, options: StoreOptions = {}): Promise<Store> {
  const db = await openDb(config, options);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return { db, ...repositories(db), close: () => db.close() };
}

/** The table-group repositories over a connection or a transaction. */
export function repositories(q: Queryable) {
  return {
    probes: createProbeRepo(q),
    articles: createArticleRepo(q),
    imports: createImportRepo(q),
    site: createSiteRepo(q),
    releases: createReleaseRepo(q),
    search: createSearchRepo(q),
    freshness: createFreshnessRepo(q),
  };
}

export type { Db, Queryable } from './db.js';
