import { randomUUID } from 'node:crypto';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../domain/article/index.js';
import { ZERO_COUNTS, addCounts, batchRanges, type ImportCounts } from '../domain/import/index.js';
import type { ReviewPolicy } from '../domain/review.js';
import type { Store } from '../store/index.js';
import { commitBatch, manifestEntries, prepareItems } from './batch.js';
import type { ParseDocuments } from './parse-document.js';

/**
 * The same listing and batches as importWorkflow, in one process with no Temporal: no retries, no
 * resume, no progress. It exists as the benchmark's baseline, never as a second way to import.
 */
export async function importDirect(
  store: Store,
  options: { paths: string[]; batchSize: number; policy: ReviewPolicy; runId?: string; parse?: ParseDocuments },
): Promise<{ runId: string; total: number; counts: ImportCounts }> {
  const runId = options.runId ?? `direct-${randomUUID()}`;
  await store.imports.startRun({ runId, workflowId: runId, source: { paths: options.paths }, dryRun: false });
  const total = await store.imports.writeManifest(runId, manifestEntries(options.paths));
  let counts = ZERO_COUNTS;
  for (const { from, to } of batchRanges(total, options.batchSize)) {
    const items = await store.imports.items(runId, from, to);
    const prepared = await prepareItems(items, DEFAULT_MAX_DOCUMENT_BYTES, {
      known: (digests) => store.articles.knownDigests(digests),
      ...(options.parse ? { parse: options.parse } : {}),
    });
    counts = addCounts(counts, await commitBatch(store.db, { runId, from, to, files: items.length, prepared, policy: options.policy, dryRun: false }));
  }
  return { runId, total, counts };
}
