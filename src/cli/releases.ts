// `pressroom releases` and `pressroom release show RELEASE`: the release history and one release in
// detail, read from the worker's HTTP API (no Temporal here), and how a release report reads.

import { loadConfig } from '../config.js';
import { formatCount } from '../domain/import/summary.js';
import type { ReleaseStatusView } from '../domain/release/input.js';
import { checksLine, stepWords } from '../domain/release/machine.js';
import type { CheckReport, ReleaseDiff, VerifyReport } from '../domain/release/model.js';
import { pathOf, type ReleaseDetailRecord } from '../http/contract.js';
import { apiGet } from './api-client.js';
import { releaseRef } from './release-args.js';
import type { Cli } from './output.js';

export type ListReleasesOptions = { json?: boolean; limit?: number; offset?: number; kind?: 'release' | 'rollback' };
export type ShowReleaseOptions = { json?: boolean; limit?: number; offset?: number };

/** How many changelog lines a report shows; `release show` prints all of it. */
const CHANGELOG_HEAD = 12;

const diffWords = (diff: Pick<ReleaseDiff, 'added' | 'updated' | 'removed'>) =>
  `${formatCount(diff.added)} added, ${formatCount(diff.updated)} updated, ${formatCount(diff.removed)} removed`;

/** `+2 ~1 -0`: a diff in a table cell. */
const diffCell = (diff: Pick<ReleaseDiff, 'added' | 'updated' | 'removed'>) => `+${diff.added} ~${diff.updated} -${diff.removed}`;

/** `1.2 s`, `340 ms`, `3 min 5 s`. */
export function elapsed(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 120) return `${minutes} min ${Math.round((ms % 60_000) / 1_000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** One line per check: ✓/✗, its name, severity, and for a failure how many articles and an example. */
export function checkLines(report: CheckReport, indent = '  '): string[] {
  return [
    `${indent}${checksLine(report)}`,
    ...report.results.map((r) => {
      const mark = r.passed ? 'ok  ' : r.severity === 'blocking' ? 'FAIL' : 'warn';
      const detail = r.passed
        ? ''
        : `: ${formatCount(r.failures)} article(s)${r.examples[0] ? `, e.g. ${r.examples[0].sourceId}: ${r.examples[0].message}` : ''}`;
      return `${indent}  ${mark}  ${r.check} (${r.severity})${detail}`;
    }),
  ];
}

const verifyLine = (v: VerifyReport) =>
  `${v.environment} verified: ${formatCount(v.checked)} route(s), ${v.timings.requests} request(s), p50 ${v.timings.p50} ms, p95 ${v.timings.p95} ms, max ${v.timings.max} ms`;

/** How long each step took, from the step history (the last one until the end, or now). */
export function stepTimings(view: Pick<ReleaseStatusView, 'steps' | 'finishedAt' | 'kind'>, now = Date.now()): string {
  const parts: string[] = [];
  const steps = view.steps;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const next = steps[i + 1];
    // A terminal step is where the run ended, not a step that took time.
    if (!next && view.finishedAt !== null) break;
    const end = next ? Date.parse(next.at) : now;
    parts.push(`${step.step} ${elapsed(end - Date.parse(step.at))}`);
  }
  const first = steps[0];
  const total = first ? (view.finishedAt ? Date.parse(view.finishedAt) : now) - Date.parse(first.at) : 0;
  return `${parts.join(', ')}; total ${elapsed(total)}`;
}

/**
 * A release's or rollback's status or final report as text: what it is, its diff, checks with severity,
 * the decision, verification timings, purge, tag, changelog head and the command that undoes it.
 */
export function describeReleaseView(view: ReleaseStatusView): string[] {
  const lines = [view.stepText, `  workflow ${view.workflowId}`];
  if (view.plan) {
    lines.push(`  ${formatCount(view.plan.articles)} article(s): ${diffWords(view.plan.diff)} (against ${view.plan.baseRelease ?? 'no earlier release'})`);
  }
  if (view.target) lines.push(`  serves ${view.target} again`);
  lines.push(`  requested by ${view.requestedBy}${view.autoApprove ? ' (auto-approve when every check passes)' : ''}`);
  if (view.checks) lines.push(...checkLines(view.checks));
  if (view.approvalDeadline) lines.push(`  awaiting approval until ${view.approvalDeadline}`);
  if (view.decision) lines.push(`  ${view.decision.approved ? 'approved' : 'rejected'} by ${view.decision.by}: ${view.decision.reason}`);
  if (view.staging) lines.push(`  ${verifyLine(view.staging)}`);
  if (view.purge) {
    lines.push(
      view.purge.skipped
        ? '  purge: skipped (no cache configured: CACHE_PURGE_URL is unset)'
        : `  purge: ${formatCount(view.purge.keys)} key(s), ${formatCount(view.purge.urls)} URL(s) in ${view.purge.requests} request(s)`,
    );
  }
  if (view.production) lines.push(`  ${verifyLine(view.production)}`);
  if (view.tag) lines.push(`  tag ${view.tag}`);
  if (view.compensation) lines.push(`  production moved back from ${view.compensation.from} to ${view.compensation.to}`);
  if (view.reason && view.step !== 'live') lines.push(`  why: ${view.reason}`);
  if (view.steps.length > 1) lines.push(`  timings: ${stepTimings(view)}`);
  if (view.changelog) {
    const changelog = view.changelog.trimEnd().split('\n');
    lines.push('  changelog:', ...changelog.slice(0, CHANGELOG_HEAD).map((l) => `    ${l}`));
    if (changelog.length > CHANGELOG_HEAD)
      lines.push(`    … ${changelog.length - CHANGELOG_HEAD} more line(s): pressroom release show ${view.releaseId ?? ''}`);
  }
  const undo = undoCommand(view);
  if (undo) lines.push(`  undo: ${undo}`);
  return lines;
}

/** The exact command that puts production back where it was before this run, when it moved production. */
export function undoCommand(view: Pick<ReleaseStatusView, 'rollbackCommand' | 'releaseId'>, reason?: string): string | null {
  if (!view.rollbackCommand) return null;
  return `${view.rollbackCommand} --reason ${shellQuote(reason ?? `undo ${view.releaseId ?? 'this release'}`)}`;
}

/** Single-quoted for a POSIX shell, so the printed command runs as shown. */
export function shellQuote(text: string): string {
  return /^[\w.,:@%+=/-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `pressroom releases`: the history, newest first, and what each environment serves. */
export async function listReleases(options: ListReleasesOptions, cli: Cli): Promise<number> {
  const offset = options.offset ?? 0;
  const query = new URLSearchParams({ limit: String(options.limit ?? 20), offset: String(offset), ...(options.kind ? { kind: options.kind } : {}) });
  const page = await apiGet(loadConfig(cli.env), 'listReleases', `${pathOf('listReleases', {})}?${query.toString()}`);
  if (options.json) {
    cli.out.json({ total: page.total, items: page.releases, environments: page.environments, running: page.running });
    return 0;
  }
  for (const env of page.environments) {
    cli.out.print(
      `${env.name.padEnd(10)} ${env.releaseId ? `serves ${env.releaseId}${env.tag ? ` (${env.tag})` : ''} since ${env.updatedAt}` : 'serves nothing yet'}`,
    );
  }
  if (page.running)
    cli.out.print(`running    ${page.running.holder}${page.running.releaseId ? ` (${page.running.releaseId})` : ''} since ${page.running.takenAt}`);
  cli.out.print(`${page.total} release(s)${page.releases.length < page.total ? `, showing ${page.releases.length} from offset ${offset}` : ''}`);
  if (page.releases.length === 0) {
    cli.out.print('  none yet: `pressroom release` builds one from the approved articles');
    return 0;
  }
  cli.out.table([
    ['ID', 'KIND', 'STATUS', 'TAG', 'ARTICLES', 'DIFF', 'BY', 'CREATED', 'FINISHED'],
    ...page.releases.map((r) => [
      r.id,
      r.kind === 'rollback' && r.target ? `rollback→${r.target}` : r.kind,
      r.status,
      r.tag ?? '-',
      String(r.articles),
      diffCell(r.diff),
      r.requestedBy ?? '-',
      r.createdAt,
      r.finishedAt ?? '-',
    ]),
  ]);
  return 0;
}

export function describeReleaseDetail(detail: ReleaseDetailRecord): string[] {
  const lines = [
    `${detail.kind} ${detail.id}: ${detail.status}${detail.tag ? `, tag ${detail.tag}` : ''}${detail.liveIn.length ? `, served by ${detail.liveIn.join(' and ')}` : ''}`,
    `  ${formatCount(detail.articles)} article(s): ${diffWords(detail.diff)} (against ${detail.baseRelease ?? 'no earlier release'})`,
    `  manifest ${detail.manifestHash}`,
    `  workflow ${detail.workflowId ?? '-'}, requested by ${detail.requestedBy ?? '-'}, created ${detail.createdAt}${detail.finishedAt ? `, finished ${detail.finishedAt}` : ''}`,
  ];
  if (detail.target) lines.push(`  serves ${detail.target} again`);
  if (detail.reason) lines.push(`  why: ${detail.reason}`);
  if (detail.decision) lines.push(`  decided by ${detail.decision.by} at ${detail.decision.at}: ${detail.decision.reason}`);
  lines.push(...(detail.checks ? checkLines(detail.checks, '') : ['checks: not run']));
  if (detail.changelog)
    lines.push(
      'changelog:',
      ...detail.changelog
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
    );
  lines.push(detail.audit.length ? 'audit:' : 'audit: no environment has pointed at it');
  for (const a of detail.audit) {
    lines.push(`  ${a.at}  ${a.environment} ${a.action} ${a.from ?? '(none)'} → ${a.to ?? '(none)'} by ${a.actor}${a.reason ? `: ${a.reason}` : ''}`);
  }
  const { items } = detail;
  lines.push(
    `manifest: ${formatCount(items.total)} article(s)${items.entries.length < items.total ? `, showing ${items.entries.length} from offset ${items.offset}` : ''}`,
  );
  for (const e of items.entries) lines.push(`  ${e.sourceId}  r${e.revision}  ${e.slug}  ${e.title}`);
  if (items.offset + items.entries.length < items.total) lines.push(`  … more with --offset ${items.offset + items.entries.length}`);
  return lines;
}

/** `pressroom release show RELEASE`: the manifest (a page), checks, changelog, decision and audit entries. */
export async function showRelease(ref: string, options: ShowReleaseOptions, cli: Cli): Promise<number> {
  const id = releaseRef('RELEASE', ref).replace(/^release-/, '');
  const query = new URLSearchParams({ limit: String(options.limit ?? 20), offset: String(options.offset ?? 0) });
  const detail = await apiGet(loadConfig(cli.env), 'getRelease', `${pathOf('getRelease', { id })}?${query.toString()}`);
  if (options.json) cli.out.json(detail);
  else for (const line of describeReleaseDetail(detail)) cli.out.print(line);
  if (!options.json && (detail.status === 'running' || detail.status === 'awaiting-approval')) {
    cli.out.note(
      `still ${detail.status === 'running' ? 'running' : stepWords('awaiting-approval')}: pressroom release status ${detail.id} shows its live step`,
    );
  }
  return 0;
}
