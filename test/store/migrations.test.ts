import { describe, expect, it } from 'vitest';
import { ErrorType } from '../../src/domain/errors.js';
import { MIGRATIONS, MigrationChangedError, migrate, migrationChecksum } from '../../src/store/migrations.js';
import { openDb } from '../../src/store/index.js';
import { backends } from '../helpers/db.js';

// Issue 8 item 13: migrations on a fresh PostgreSQL database race no more, and a shipped migration
// that changed is refused by name.

const postgres = backends().find((b) => b.name === 'postgres');

describe.runIf(postgres)('concurrent migrations on a fresh PostgreSQL schema', () => {
  it('four workers migrating at once all succeed, round after round, and apply each migration once', async () => {
    for (let round = 0; round < 5; round++) {
      const database = await postgres!.create();
      const dbs = await Promise.all(Array.from({ length: 4 }, () => openDb(database.config)));
      try {
        const applied = await Promise.all(dbs.map((db) => migrate(db)));
        // Exactly one of them applied everything; the others found it done.
        expect(applied.flat().sort((a, b) => a - b)).toEqual(MIGRATIONS.map((m) => m.id).sort((a, b) => a - b));
        const rows = await dbs[0]!.query<{ id: number; checksum: string }>('SELECT id, checksum FROM schema_migrations ORDER BY id');
        expect(rows).toEqual(MIGRATIONS.map((m) => ({ id: m.id, checksum: migrationChecksum(m) })));
      } finally {
        await Promise.all(dbs.map((db) => db.close()));
        await database.cleanup();
      }
    }
  }, 120_000);
});

for (const backend of backends()) {
  describe(`migration checksums on ${backend.name}`, () => {
    it('refuses to start when a shipped migration changed, naming it, and applies nothing', async () => {
      const database = await backend.create();
      const db = await openDb(database.config);
      try {
        await migrate(db);
        const changed = MIGRATIONS.map((m) => (m.id === 2 ? { ...m, sql: `${m.sql}\n      CREATE TABLE sneaky (x int);` } : m));
        const next = { id: 10_001, name: 'would be next', sql: 'CREATE TABLE not_applied (x int);' };
        const error = await migrate(db, [...changed, next]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MigrationChangedError);
        expect(error).toMatchObject({ type: ErrorType.MigrationChanged, migration: { id: 2, name: 'articles and imports' } });
        expect((error as Error).message).toMatch(/migration 2 \("articles and imports"\) was changed/);
        const tables = await db.query<{ n: number }>(
          "SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('sneaky', 'not_applied') AND table_schema = current_schema()",
        );
        expect(tables[0]?.n).toBe(0);
        expect(await migrate(db)).toEqual([]);
      } finally {
        await db.close();
        await database.cleanup();
      }
    });

    it('upgrades a database from before checksums in place: the column is added and filled, nothing re-applied', async () => {
      const database = await backend.create();
      const db = await openDb(database.config);
      try {
        // The bookkeeping as the first version left it: no checksum column.
        await db.exec(`CREATE TABLE schema_migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
        const first = MIGRATIONS[0]!;
        await db.exec(first.sql);
        await db.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [first.id, first.name]);

        const applied = await migrate(db);
        expect(applied).toEqual(MIGRATIONS.slice(1).map((m) => m.id));
        const rows = await db.query<{ id: number; checksum: string | null }>('SELECT id, checksum FROM schema_migrations ORDER BY id');
        expect(rows).toEqual(MIGRATIONS.map((m) => ({ id: m.id, checksum: migrationChecksum(m) })));
        // From now on a change to migration 1 is caught too.
        const error = await migrate(
          db,
          MIGRATIONS.map((m) => (m.id === first.id ? { ...m, sql: `${m.sql} ` } : m)),
        ).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MigrationChangedError);
      } finally {
        await db.close();
        await database.cleanup();
      }
    });
  });
}
