import pg from 'pg';
import { arrayLiteral } from './array-literal.js';
import { DatabaseUnavailableError, isTransientDbError, JsonbParam, type Db, type Queryable, type Row } from './db.js';

const INT8_OID = 20;

export type PostgresOptions = { max?: number | undefined; connectionTimeoutMillis?: number };

/** Connections when the caller does not say; a worker sizes its pool from its activity slots. */
export const DEFAULT_POOL_SIZE = 10;

/** host:port/database, never the credentials. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'DATABASE_URL (unparsable)';
  }
}

/**
 * node-postgres sends a Buffer in binary format: a JsonbParam goes as jsonb's binary input. A flat
 * array goes as the literal node-postgres would write for it, written without its per-element cost.
 */
const toPg = (param: unknown): unknown => {
  if (param instanceof JsonbParam) return param.binary;
  if (Array.isArray(param)) return arrayLiteral(param) ?? param;
  return param;
};

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : (pg.types.getTypeParser(oid, format) as (value: string) => unknown)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection (server restart, proxy cut) must not crash the worker;
  // the next query gets a fresh connection or a transient error that Temporal retries.
  pool.on('error', () => undefined);
  const wrap = (q: pg.Pool | pg.PoolClient): Queryable => ({
    async exec(sql: string) {
      await q.query(sql);
    },
    async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []) {
      const result = await q.query<T>(sql, params.map(toPg));
      return result.rows;
    },
  });
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (!isTransientDbError(error)) throw error;
    throw new DatabaseUnavailableError(
      `cannot reach PostgreSQL at ${describeUrl(url)}: ${error instanceof Error ? error.message : String(error)} (expected a running server; retrying helps once it is up)`,
      {
        cause: error,
      },
    );
  }
  return {
    kind: 'postgres',
    ...wrap(pool),
    async transaction(fn) {
      const client = await pool.connect();
      let broken = false;
      // A checked-out client has no pool listener: without ours, a connection cut mid-transaction
      // would surface as an uncaught 'error' event instead of the failed query's rejection.
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
