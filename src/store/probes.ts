import type { Queryable } from './db.js';

export type ProbeRow = { key: string; value: string; attempts: number };

export function createProbeRepo(db: Queryable) {
  return {
    async write(row: ProbeRow): Promise<void> {
      await db.query(
        `INSERT INTO probe_rows (key, value, attempts) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, attempts = EXCLUDED.attempts, written_at = now()`,
        [row.key, row.value, row.attempts],
      );
    },
    async read(key: string): Promise<ProbeRow | undefined> {
      const rows = await db.query<ProbeRow>('SELECT key, value, attempts FROM probe_rows WHERE key = $1', [key]);
      return rows[0];
    },
  };
}
