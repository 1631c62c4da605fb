import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { ReleaseStatusView, ReleaseStep } from '../../src/domain/release/input.js';
import type { SynthDocument } from '../../src/domain/article/index.js';
import { releaseStatusQuery } from '../../src/workflows/messages.js';

// What the release end-to-end tests share: waiting for a release's step through its query, reading
// the site through Varnish (or straight from the worker), and editing an export on disk.

/** Polls releaseStatus until the run reaches `step`; fails naming where it stopped instead. */
export async function reachStep(handle: WorkflowHandle, step: ReleaseStep, timeoutMs = 30_000): Promise<ReleaseStatusView> {
  const deadline = Date.now() + timeoutMs;
  let last: ReleaseStatusView | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(releaseStatusQuery).catch(() => undefined);
    if (last?.step === step) return last;
    if (last && ['live', 'rejected', 'abandoned', 'failed', 'rolled-back'].includes(last.step)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`release ${handle.workflowId} never reached ${step}: it is ${last?.step ?? 'unknown'} (${last?.reason ?? 'no reason'})`);
}

export type Fetched = { status: number; etag: string | null; cache: string | null; hits: number | null; body: string };

/** One GET; `html` asks for the page's HTML representation (the cache keeps it apart from the JSON one). */
export async function get(base: string, path: string, html = false): Promise<Fetched> {
  const response = await fetch(`${base}${path}`, { headers: html ? { accept: 'text/html' } : {} });
  const hits = response.headers.get('x-cache-hits');
  return {
    status: response.status,
    etag: response.headers.get('etag'),
    cache: response.headers.get('x-cache'),
    hits: hits === null ? null : Number(hits),
    body: await response.text(),
  };
}

/** Rewrites the export's title line (its first non-blank line); returns the new title as written. */
export function retitle(dir: string, doc: SynthDocument, suffix: string): string {
  const path = join(dir, doc.fileName);
  const lines = readFileSync(path, 'utf8').split('\n');
  const at = lines.findIndex((line) => line.trim() !== '' && !/^[|\s]+$/.test(line));
  const line = lines[at]!;
  const title = `${line.replace(/\r$/, '').trim()} ${suffix}`;
  lines[at] = line.endsWith('\r') ? `${title}\r` : title;
  writeFileSync(path, lines.join('\n'));
  return title;
}

/** Drops the export's `summary…` meta line: it still imports, but the release's required-fields check blocks it. */
export function dropSummary(dir: string, doc: SynthDocument): void {
  const path = join(dir, doc.fileName);
  const text = readFileSync(path, 'utf8');
  const stripped = text
    .split('\n')
    .filter((line) => !/^summary/i.test(line))
    .join('\n');
  if (stripped === text) throw new Error(`${doc.fileName} has no summary line to drop`);
  writeFileSync(path, stripped);
}

/** Puts the export back as the synthesizer wrote it. */
export function restore(dir: string, doc: SynthDocument): void {
  writeFileSync(join(dir, doc.fileName), doc.content);
}
