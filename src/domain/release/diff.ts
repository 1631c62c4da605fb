import { DIFF_SAMPLE, type ManifestEntry, type ReleaseDiff } from './model.js';

// What changes when one manifest replaces another. The store computes the same thing in SQL for big
// releases (src/store/releases.ts); this is the definition, and what small callers and tests use.

export type ChangeKind = 'added' | 'updated' | 'removed';

/** One article that differs between two manifests, with what it was and what it becomes. */
export type ManifestChange = {
  kind: ChangeKind;
  sourceId: string;
  slug: string;
  title: string;
  /** The revision live before (null: added). */
  from: number | null;
  /** The revision published after (null: removed). */
  to: number | null;
  /** The content hash published after (null: removed). */
  contentHash: string | null;
};

export const EMPTY_DIFF: ReleaseDiff = { added: 0, updated: 0, removed: 0, sample: { added: [], updated: [], removed: [] } };

/** Code-unit order, the same as SQL's `COLLATE "C"`: samples never depend on a database's locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every change from `before` (null: nothing live) to `after`, sorted by source id. An entry changes when its revision does. */
export function manifestChanges(before: readonly ManifestEntry[] | null, after: readonly ManifestEntry[]): ManifestChange[] {
  const old = new Map((before ?? []).map((entry) => [entry.sourceId, entry]));
  const changes: ManifestChange[] = [];
  for (const entry of after) {
    const was = old.get(entry.sourceId);
    old.delete(entry.sourceId);
    if (was && was.revision === entry.revision) continue;
    const { sourceId, slug, title, revision, contentHash } = entry;
    changes.push({ kind: was ? 'updated' : 'added', sourceId, slug, title, from: was?.revision ?? null, to: revision, contentHash });
  }
  for (const was of old.values()) {
    changes.push({ kind: 'removed', sourceId: was.sourceId, slug: was.slug, title: was.title, from: was.revision, to: null, contentHash: null });
  }
  return changes.sort((a, b) => compareIds(a.sourceId, b.sourceId));
}

/** Exact counts, and the first DIFF_SAMPLE ids of each kind in source-id order. */
export function summarizeChanges(changes: Iterable<Pick<ManifestChange, 'kind' | 'sourceId'>>, sampleSize = DIFF_SAMPLE): ReleaseDiff {
  const ids: Record<ChangeKind, string[]> = { added: [], updated: [], removed: [] };
  for (const change of changes) ids[change.kind].push(change.sourceId);
  const sample = (list: string[]) => [...list].sort(compareIds).slice(0, sampleSize);
  return {
    added: ids.added.length,
    updated: ids.updated.length,
    removed: ids.removed.length,
    sample: { added: sample(ids.added), updated: sample(ids.updated), removed: sample(ids.removed) },
  };
}

export function diffManifests(before: readonly ManifestEntry[] | null, after: readonly ManifestEntry[], sampleSize = DIFF_SAMPLE): ReleaseDiff {
  return summarizeChanges(manifestChanges(before, after), sampleSize);
}

export function isEmptyDiff(diff: ReleaseDiff): boolean {
  return diff.added + diff.updated + diff.removed === 0;
}
