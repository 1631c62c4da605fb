import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/store/index.js';

export type TestDatabase = { config: DatabaseConfig; cleanup(): Promise<void> };
export type Backend = { name: 'pglite' | 'postgres'; create(): Promise<TestDatabase> };

let counter = 0;

function pglite(): Backend {
  return {
    name: 'pglite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'pressroom-pglite-'));
      return { config: { kind: 'pglite', dataDir: join(dir, 'db') }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  };
}

/** A fresh schema per test database, so files sharing one PostgreSQL server never see each other's rows. */
function postgres(url: string): Backend {
  return {
    name: 'postgres',
    async create() {
      const schema = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
      return {
        config: { kind: 'postgres', url: withSearchPath(url, schema) },
        async cleanup() {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await c.end();
        },
      };
    },
  };
}

export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** PGlite always; PostgreSQL whenever TEST_DATABASE_URL is set. */
export function backends(): Backend[] {
  const url = process.env.TEST_DATABASE_URL;
  return url ? [pglite(), postgres(url)] : [pglite()];
}
