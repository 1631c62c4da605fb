import type { Db } from './db.js';

// Numbered, forward-only migrations. Never edit one that has shipped: add the next number.
// The SQL must run on PostgreSQL 15 (this machine's server) and 18 (PGlite).

export type Migration = { id: number; name: string; sql: string };

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'probe',
    sql: `
      CREATE TABLE probe_rows (
        key         text PRIMARY KEY,
        value       text NOT NULL,
        attempts    integer NOT NULL,
        written_at  timestamptz NOT NULL DEFAULT now()
      );`,
  },
  {
    id: 2,
    name: 'articles and imports',
    sql: `
      CREATE TABLE articles (
        source_id         text PRIMARY KEY,
        slug              text NOT NULL UNIQUE,
        title             text NOT NULL,
        current_revision  integer NOT NULL,
        content_hash      text NOT NULL,
        review_state      text NOT NULL CHECK (review_state IN ('pending', 'approved', 'rejected')),
        reviewed_at       timestamptz,
        reviewed_by       text,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE article_revisions (
        source_id     text NOT NULL REFERENCES articles (source_id),
        revision      integer NOT NULL,
        content_hash  text NOT NULL,
        article       jsonb NOT NULL,
        import_run    text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source_id, revision),
        UNIQUE (source_id, content_hash)
      );
      CREATE TABLE import_runs (
        run_id       text PRIMARY KEY,
        workflow_id  text NOT NULL,
        source       jsonb NOT NULL,
        dry_run      boolean NOT NULL,
        status       text NOT NULL CHECK (status IN ('running', 'completed', 'cancelled', 'failed')),
        total        integer,
        report       jsonb,
        started_at   timestamptz NOT NULL DEFAULT now(),
        finished_at  timestamptz
      );
      CREATE INDEX import_runs_workflow ON import_runs (workflow_id, started_at DESC);
      CREATE TABLE import_items (
        run_id  text NOT NULL REFERENCES import_runs (run_id),
        seq     integer NOT NULL,
        path    text NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
      -- One row per committed batch: a retried batch finds it and reports instead of redoing.
      CREATE TABLE import_batches (
        run_id     text NOT NULL REFERENCES import_runs (run_id),
        from_seq   integer NOT NULL,
        to_seq     integer NOT NULL,
        counts     jsonb NOT NULL,
        committed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, from_seq)
      );
      CREATE TABLE import_results (
        run_id          text NOT NULL REFERENCES import_runs (run_id),
        seq             integer NOT NULL,
        line            integer NOT NULL DEFAULT 0,
        path            text NOT NULL,
        source_id       text,
        outcome         text NOT NULL CHECK (outcome IN ('created', 'updated', 'unchanged', 'rejected')),
        changed_fields  jsonb,
        errors          jsonb,
        PRIMARY KEY (run_id, seq, line)
      );
      CREATE TABLE rejections (
        id               bigserial PRIMARY KEY,
        path             text NOT NULL,
        line             integer NOT NULL DEFAULT 0,
        source_id        text,
        sha256           text NOT NULL,
        size             bigint NOT NULL,
        raw              bytea,
        errors           jsonb NOT NULL,
        first_run_id     text NOT NULL,
        last_run_id      text NOT NULL,
        first_seen_at    timestamptz NOT NULL DEFAULT now(),
        last_seen_at     timestamptz NOT NULL DEFAULT now(),
        resolved_at      timestamptz,
        resolved_by_run  text
      );
      -- The same bad bytes at the same place are one open entry, however often they are imported.
      CREATE UNIQUE INDEX rejections_open ON rejections (path, line, sha256) WHERE resolved_at IS NULL;
      CREATE INDEX rejections_open_source ON rejections (source_id) WHERE resolved_at IS NULL;`,
  },
];

// Any constant works; it only has to be the same for every process that migrates this database.
const MIGRATION_LOCK_KEY = 7_233_001;

/** Applies the migrations not yet recorded, each in its own transaction. Safe to run concurrently. */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id          integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
  )`);
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
    const done = await db.transaction(async (tx) => {
      // Two workers starting together against one PostgreSQL must not both apply a migration.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE id = $1', [migration.id]);
      if (seen.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [migration.id, migration.name]);
      return true;
    });
    if (done) applied.push(migration.id);
  }
  return applied;
}
