import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { JsonbParam, type Db, type Queryable, type Row } from './db.js';
import { acquireDirLock } from './lock.js';

const INT8_OID = 20;
// COUNT(*) and BIGINT come back as int8; our counts fit a JS number, so both backends agree on number.
const parsers = { [INT8_OID]: (value: string) => Number(value) };

export async function openPglite(dataDir: string): Promise<Db> {
  mkdirSync(dataDir, { recursive: true });
  const lock = acquireDirLock(join(dataDir, 'pressroom.lock'));
  let pg: PGlite;
  try {
    pg = await PGlite.create(dataDir, { parsers });
  } catch (error) {
    lock.release();
    throw error;
  }
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async exec(sql: string) {
      await q.exec(sql);
    },
    async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []) {
      const result = await q.query<T>(
        sql,
        params.map((p) => (p instanceof JsonbParam ? p.text() : p)),
      );
      return result.rows;
    },
  });
  let closed = false;
  return {
    kind: 'pglite',
    ...wrap(pg),
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async ping() {
      await pg.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await pg.close();
      } finally {
        lock.release();
      }
    },
  };
}
