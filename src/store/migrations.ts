import { createHash } from 'node:crypto';
import { ErrorType, PressroomError } from '../domain/errors.js';
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
  {
    id: 3,
    name: 'manifest lines and sourceId claims',
    // A manifest item is a file (line 0) or one .ndjson line with its byte range, so a huge stream is
    // batched like a directory. Existing rows stay valid: line 0, no range means "the whole file".
    // import_claims holds, per run and sourceId, the first document in manifest order seen so far,
    // with what the article was before the run wrote it, so a later-committing earlier document can undo
    // the loser's write (see src/ingest/claims.ts).
    sql: `
      ALTER TABLE import_items
        ADD COLUMN line         integer NOT NULL DEFAULT 0,
        ADD COLUMN byte_offset  bigint,
        ADD COLUMN byte_length  bigint,
        ADD COLUMN root         text,
        ADD COLUMN problem      text;
      CREATE INDEX import_items_path ON import_items (run_id, path, line);
      CREATE TABLE import_claims (
        run_id        text NOT NULL REFERENCES import_runs (run_id),
        source_id     text NOT NULL,
        seq           integer NOT NULL,
        line          integer NOT NULL,
        path          text NOT NULL,
        sha256        text NOT NULL,
        size          bigint NOT NULL,
        content_hash  text NOT NULL,
        prior         jsonb,
        PRIMARY KEY (run_id, source_id)
      );`,
  },
  {
    id: 5,
    name: 'import runs ended outside the workflow',
    // A run terminated or timed out through Temporal never reports; reading it records how it ended.
    sql: `
      ALTER TABLE import_runs DROP CONSTRAINT import_runs_status_check;
      ALTER TABLE import_runs ADD CONSTRAINT import_runs_status_check
        CHECK (status IN ('running', 'completed', 'cancelled', 'failed', 'terminated', 'timed_out'));`,
  },
  {
    id: 6,
    name: 'releases, environments and the audit trail',
    // A release is an immutable manifest: one row per article it publishes, naming the exact revision
    // (and the slug and title it is served under). An environment points at one release; moving that
    // pointer is one UPDATE, so a reader's single statement sees one release or the other, never a mix.
    // At most one release or rollback holds the lock (release_lock's single row) at a time.
    sql: `
      CREATE TABLE releases (
        id             text PRIMARY KEY,
        kind           text NOT NULL CHECK (kind IN ('release', 'rollback')),
        status         text NOT NULL,
        manifest_hash  text NOT NULL,
        base_release   text REFERENCES releases (id),
        workflow_id    text,
        tag            text UNIQUE,
        requested_by   text,
        articles       integer NOT NULL,
        diff           jsonb NOT NULL,
        checks         jsonb,
        changelog      text,
        decision       jsonb,
        created_at     timestamptz NOT NULL DEFAULT now(),
        finished_at    timestamptz
      );
      CREATE INDEX releases_created ON releases (created_at DESC);
      CREATE TABLE release_items (
        release_id    text NOT NULL REFERENCES releases (id),
        source_id     text NOT NULL,
        revision      integer NOT NULL,
        slug          text NOT NULL,
        title         text NOT NULL,
        content_hash  text NOT NULL,
        PRIMARY KEY (release_id, source_id),
        UNIQUE (release_id, slug),
        FOREIGN KEY (source_id, revision) REFERENCES article_revisions (source_id, revision)
      );
      CREATE TABLE environments (
        name        text PRIMARY KEY CHECK (name IN ('staging', 'production')),
        release_id  text REFERENCES releases (id),
        updated_at  timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO environments (name, release_id) VALUES ('staging', NULL), ('production', NULL);
      CREATE TABLE audit_log (
        id            bigserial PRIMARY KEY,
        at            timestamptz NOT NULL DEFAULT now(),
        actor         text NOT NULL,
        action        text NOT NULL,
        environment   text NOT NULL,
        from_release  text REFERENCES releases (id),
        to_release    text REFERENCES releases (id),
        from_hash     text,
        to_hash       text,
        workflow_id   text,
        reason        text
      );
      CREATE TABLE release_lock (
        singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        holder      text NOT NULL,
        release_id  text,
        taken_at    timestamptz NOT NULL DEFAULT now()
      );`,
  },
  {
    id: 7,
    name: 'why a release ended, what a rollback restores, and the audit trail by environment',
    // A failed or abandoned release says why (the status alone does not); a rollback names the release
    // whose content it restores; the rollback target is read from the audit trail by environment, newest first.
    sql: `
      ALTER TABLE releases ADD COLUMN reason text;
      ALTER TABLE releases ADD COLUMN target text REFERENCES releases (id);
      CREATE INDEX audit_log_environment ON audit_log (environment, id DESC);`,
  },
  {
    id: 8,
    name: 'search generations and their alias',
    // A generation's documents live in a table of its own (search_g<N>, made by the reindex), so a
    // generation is built, indexed and analysed beside the live one and dropped in one statement. The
    // alias's one row names the live generation; release_id and audit_id are a generation's watermark
    // (production's release and last pointer move it reflects). At most one generation is building.
    sql: `
      CREATE TABLE search_generations (
        id           integer PRIMARY KEY,
        status       text NOT NULL CHECK (status IN ('building', 'live', 'kept', 'failed', 'dropped')),
        workflow_id  text NOT NULL,
        release_id   text REFERENCES releases (id),
        audit_id     bigint NOT NULL DEFAULT 0,
        documents    integer NOT NULL DEFAULT 0,
        failed       integer NOT NULL DEFAULT 0,
        head_threshold double precision,
        report       jsonb,
        created_at   timestamptz NOT NULL DEFAULT now(),
        finished_at  timestamptz,
        swapped_at   timestamptz
      );
      CREATE UNIQUE INDEX search_generations_one_building ON search_generations ((status)) WHERE status = 'building';
      CREATE TABLE search_alias (
        name        text PRIMARY KEY CHECK (name = 'live'),
        generation  integer REFERENCES search_generations (id),
        previous    integer REFERENCES search_generations (id),
        updated_at  timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO search_alias (name) VALUES ('live');
      CREATE TABLE search_failures (
        generation  integer NOT NULL REFERENCES search_generations (id),
        source_id   text NOT NULL,
        error       text NOT NULL,
        PRIMARY KEY (generation, source_id)
      );`,
  },
  {
    id: 9,
    name: 'freshness sweeps',
    // One row per sweep (its workflow id): a retried activity finds its sweep done and reports the same
    // articles instead of sweeping again. The whole list is kept here; the workflow reports its head.
    sql: `
      CREATE TABLE freshness_sweeps (
        sweep_id      text PRIMARY KEY,
        requested_by  text NOT NULL,
        max_age_days  integer NOT NULL,
        cutoff        date NOT NULL,
        source_ids    text[] NOT NULL,
        undated       integer NOT NULL,
        swept_at      timestamptz NOT NULL DEFAULT now()
      );`,
  },
  {
    id: 10,
    name: 'article source digests',
    // Which bytes the article's current content was parsed from (src/domain/article/version.ts): an
    // unchanged re-import finds its documents here by their bytes and skips parsing them. Only set
    // together with content_hash, so a digest always names bytes that parse to the current content.
    sql: `
      ALTER TABLE articles ADD COLUMN source_digest text;
      CREATE INDEX articles_source_digest ON articles (source_digest) WHERE source_digest IS NOT NULL;`,
  },
  {
    id: 11,
    name: 'revisions compressed with lz4',
    // Every imported revision is a few kB of JSON that PostgreSQL compresses on the way in: pglz cost a
    // sixth of the server's CPU in an import, lz4 a fraction of that. Only new values change; a server
    // built without lz4 (PGlite is) keeps pglz, so the same migration runs everywhere.
    sql: `
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
          ALTER TABLE article_revisions ALTER COLUMN article SET COMPRESSION lz4;
        END IF;
      END $$;`,
  },
];

// Any constant works; it only has to be the same for every process that migrates this database.
const MIGRATION_LOCK_KEY = 7_233_001;

/** What a migration's SQL hashes to; recorded when it is applied, compared on every start. */
export function migrationChecksum(migration: Pick<Migration, 'sql'>): string {
  return createHash('sha256').update(migration.sql, 'utf8').digest('hex');
}

/** A migration this database applied has different SQL now: its schema is no longer what the code describes. */
export class MigrationChangedError extends PressroomError {
  constructor(
    readonly migration: Pick<Migration, 'id' | 'name'>,
    readonly recorded: string,
    readonly shipped: string,
  ) {
    super(
      ErrorType.MigrationChanged,
      `migration ${migration.id} ("${migration.name}") was changed after this database applied it (recorded sha256 ${recorded.slice(0, 12)}…, ` +
        `shipped ${shipped.slice(0, 12)}…): a shipped migration must never change. Restore it and put the change in a new migration; ` +
        'retrying will not help.',
    );
  }
}

/**
 * Applies the migrations not yet recorded, all in one transaction that first takes an advisory lock,
 * so workers starting together on a fresh database queue up: even creating schema_migrations happens
 * under the lock (CREATE TABLE IF NOT EXISTS is not safe against itself; two at once fail on
 * pg_type_typname_nsp_index). Refuses to start when a recorded migration's SQL changed.
 */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    // The checksum column came later: a database made before it gains it here, and its rows record the
    // checksum of the SQL they find (the best evidence there is of what was applied).
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        id          integer PRIMARY KEY,
        name        text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      );
      ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text;`);
    const recorded = new Map(
      (await tx.query<{ id: number; checksum: string | null }>('SELECT id, checksum FROM schema_migrations')).map((r) => [r.id, r.checksum]),
    );
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
      const checksum = migrationChecksum(migration);
      if (recorded.has(migration.id)) {
        const was = recorded.get(migration.id);
        if (was == null) await tx.query('UPDATE schema_migrations SET checksum = $2 WHERE id = $1', [migration.id, checksum]);
        else if (was !== checksum) throw new MigrationChangedError(migration, was, checksum);
        continue;
      }
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (id, name, checksum) VALUES ($1, $2, $3)', [migration.id, migration.name, checksum]);
      applied.push(migration.id);
    }
    return applied;
  });
}
