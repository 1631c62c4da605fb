import type { ManifestChange } from './diff.js';
import type { ReleaseDiff } from './model.js';

// A release's changelog: markdown generated from its diff, naming each changed article by title.

/** At most this many articles are listed per kind; the counts above the lists are always exact. */
export const CHANGELOG_LIST_LIMIT = 100;

export type ChangelogInput = {
  tag: string;
  releaseId: string;
  kind: 'release' | 'rollback';
  /** For a rollback: the release whose content it restores. */
  target?: string | null;
  /** The release it replaces in production (null: the first release). */
  base: string | null;
  diff: ReleaseDiff;
  /** The changes to list, any order; more than the limit of a kind are cut and counted. */
  changes: readonly ManifestChange[];
  limit?: number;
};

/** Titles are plain text, but markdown would read `*`, `_`, `[`, `` ` `` and `<` in them as markup. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]<>()#+!|~]/g, (c) => `\\${c}`);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function renderChangelog(input: ChangelogInput): string {
  const limit = input.limit ?? CHANGELOG_LIST_LIMIT;
  const { diff } = input;
  const lines = [`## ${input.tag} (${input.releaseId})`, ''];
  if (input.kind === 'rollback') lines.push(`Rollback: production goes back to the content of ${input.target ?? 'an earlier release'}.`, '');
  lines.push(
    `${plural(diff.added, 'article')} added, ${diff.updated} updated, ${diff.removed} removed, ${input.base ? `against ${input.base}` : 'in the first release'}.`,
  );
  const sections: Array<{ kind: ManifestChange['kind']; heading: string; total: number }> = [
    { kind: 'added', heading: 'Added', total: diff.added },
    { kind: 'updated', heading: 'Updated', total: diff.updated },
    { kind: 'removed', heading: 'Removed', total: diff.removed },
  ];
  for (const section of sections) {
    if (section.total === 0) continue;
    const listed = input.changes
      .filter((c) => c.kind === section.kind)
      .sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0))
      .slice(0, limit);
    lines.push('', `### ${section.heading}`, '');
    for (const change of listed) {
      const revisions = change.kind === 'updated' ? `, revision ${change.from} → ${change.to}` : '';
      lines.push(`- ${escapeMarkdown(change.title)} (\`${change.sourceId}\`${revisions})`);
    }
    const rest = section.total - listed.length;
    if (rest > 0) lines.push(`- … and ${plural(rest, 'more article')}`);
  }
  return `${lines.join('\n')}\n`;
}
