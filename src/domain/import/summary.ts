import type { ImportCounts, ImportPhase } from './model.js';

// What the Temporal Web UI shows for an import, built in one place: the workflow sets it (current
// details, memo) whoever started it, and the client uses the same words for the start's static summary.

type Described = { paths: readonly string[]; dryRun: boolean; batchSize: number; concurrency: number };

/** `1234567` → `1,234,567`, without Intl: the same text on every Node build a workflow replays on. */
export function formatCount(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** One line: `Import of /data/exports` or `Plan (dry run) of an import of /a and 2 more`. */
export function importSummary(input: Pick<Described, 'paths' | 'dryRun'>): string {
  const shown = input.paths.length === 1 ? input.paths[0] : `${input.paths[0]} and ${input.paths.length - 1} more`;
  return `${input.dryRun ? 'Plan (dry run) of an import' : 'Import'} of ${shown}`;
}

/** The settings, a line each. */
export function importDetails(input: Described): string {
  return [
    `paths: ${input.paths.join(', ')}`,
    `batch size ${input.batchSize}, concurrency ${input.concurrency}${input.dryRun ? ', dry run: writes nothing' : ''}`,
  ].join('\n');
}

/** Live progress: `1,200 / 4,000 files: 1,180 created, 20 rejected` (updated and unchanged only when any). */
export function importProgressLine(phase: ImportPhase, total: number, counts: ImportCounts): string {
  // Batches run on the first entries while the rest of the source is listed.
  if (phase === 'listing') return counts.files > 0 ? `listing the source; ${formatCount(counts.files)} files imported so far` : 'listing the source';
  const outcomes = [`${formatCount(counts.created)} created`];
  if (counts.updated) outcomes.push(`${formatCount(counts.updated)} updated`);
  if (counts.unchanged) outcomes.push(`${formatCount(counts.unchanged)} unchanged`);
  outcomes.push(`${formatCount(counts.rejected)} rejected`);
  const line = `${formatCount(counts.files)} / ${formatCount(total)} files: ${outcomes.join(', ')}`;
  return phase === 'importing' || phase === 'finishing' ? line : `${phase}: ${line}`;
}

/** The memo every import carries, whoever started it. */
export function importMemo(input: Pick<Described, 'paths' | 'dryRun'>): { summary: string; source: string[]; dryRun: boolean } {
  return { summary: importSummary(input), source: input.paths.slice(0, 20), dryRun: input.dryRun };
}
