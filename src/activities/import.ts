import { ApplicationFailure, CancelledFailure, Context, log } from '@temporalio/activity';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../domain/article/index.js';
import { ErrorType } from '../domain/errors.js';
import { ZERO_COUNTS, type ImportCounts, type ImportReport } from '../domain/import/index.js';
import type { ReviewPolicy } from '../domain/review.js';
import { commitBatch, isUniqueViolation, manifestEntries, prepareItems } from '../ingest/batch.js';
import type { ParseDocuments } from '../ingest/parse-document.js';
import type { Store } from '../store/index.js';
import { SourceNotFoundError } from '../sources/documents.js';
import { toApplicationFailure } from './failures.js';

/** `parse`: how batches parse the documents they do not know (the worker's parse threads); unset, on the calling thread. */
export type ImportActivityDeps = { store: Store; reviewPolicy: ReviewPolicy; maxDocumentBytes?: number; parse?: ParseDocuments };

export type ListSourceInput = { importRunId: string; workflowId: string; paths: string[]; dryRun: boolean };
/**
 * `awaitListing`: the batch was started while its source is still being listed. It waits until its
 * range is listed (or the listing ended short of it: then it takes what is there, possibly nothing).
 */
export type BatchInput = { importRunId: string; from: number; to: number; dryRun: boolean; awaitListing?: boolean };

/** What a batch heartbeats: waiting for its entries, how far reading got, or that it committed (a retry then only reports). */
export type BatchHeartbeat =
  | { phase: 'awaiting listing'; listed: number }
  | { phase: 'reading'; read: number }
  | { phase: 'committing'; written: number }
  | { phase: 'committed'; counts: ImportCounts };

/**
 * A progress callback for long reads that heartbeats once per few megabytes: a hashed 3 GB file or a
 * streamed .ndjson keeps its activity alive (and hears its cancellation), small documents add nothing.
 */
function everyFewMegabytes(beat: () => void, step = 4 * 1024 * 1024): (bytesRead: number) => void {
  let next = step;
  return (bytesRead) => {
    if (bytesRead < next - step) next = step; // a new read started from zero
    if (bytesRead >= next) {
      next = bytesRead + step;
      beat();
    }
  };
}

/** How often reading heartbeats at most (well under any heartbeatTimeout a profile sets). */
const HEARTBEAT_EVERY_MS = 250;

/** Manifest items a batch reads at once. */
const READ_CONCURRENCY = 16;

/** How often a batch waiting for its entries looks at the listing: a chunk of 2,000 takes ~30 ms to write. */
const LISTING_POLL_MS = 25;

export function createImportActivities(deps: ImportActivityDeps) {
  const { store } = deps;
  const maxBytes = deps.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;

  /**
   * Waits until the batch's entries are listed, heartbeating (so a cancel reaches it: the workflow
   * cancels waiting batches when the listing fails); returns the end of its range, cut to the total.
   */
  async function awaitListing(ctx: Context, input: BatchInput): Promise<number> {
    for (;;) {
      const { total, listed } = await store.imports.listingState(input.importRunId);
      if (total !== null) return Math.min(input.to, total);
      if (listed >= input.to) return input.to;
      ctx.heartbeat({ phase: 'awaiting listing', listed } satisfies BatchHeartbeat);
      // Context.sleep ends early, throwing, when the activity is cancelled.
      await ctx.sleep(LISTING_POLL_MS);
    }
  }

  return {
    /** Lists the source into the database (a 100k-file manifest does not fit in a payload). */
    async listSource(input: ListSourceInput): Promise<{ total: number }> {
      const ctx = Context.current();
      try {
        await store.imports.startRun({ runId: input.importRunId, workflowId: input.workflowId, source: { paths: input.paths }, dryRun: input.dryRun });
        // Long reads (walking, streaming an .ndjson for its lines) heartbeat and stop when cancelled.
        const signal = ctx.cancellationSignal;
        const entries = manifestEntries(input.paths, { signal, onProgress: everyFewMegabytes(() => ctx.heartbeat({ listed: null })) });
        const total = await store.imports.writeManifest(input.importRunId, entries, (written) => {
          ctx.heartbeat({ listed: written });
          signal.throwIfAborted();
        });
        log.info('source listed', { importRunId: input.importRunId, total });
        return { total };
      } catch (error) {
        if (error instanceof CancelledFailure) throw error;
        if (error instanceof SourceNotFoundError) throw ApplicationFailure.nonRetryable(error.message, ErrorType.SourceNotFound);
        throw toApplicationFailure(error, `listing source ${input.paths.join(', ')}`);
      }
    },

    /**
     * Reads, parses, validates and sanitizes the manifest items [from, to), then upserts the accepted
     * documents and quarantines the rejected ones in ONE transaction: a killed batch leaves nothing.
     */
    async importBatch(input: BatchInput): Promise<ImportCounts> {
      const ctx = Context.current();
      const resumed = ctx.info.heartbeatDetails as BatchHeartbeat | undefined;
      if (resumed?.phase === 'committed') return resumed.counts;
      try {
        const already = await store.imports.committedBatch(input.importRunId, input.from);
        if (already) return already;

        const to = input.awaitListing ? await awaitListing(ctx, input) : input.to;
        // Started ahead of a listing that ended short of it: nothing to import, nothing to record.
        if (to <= input.from) return { ...ZERO_COUNTS };
        const items = await store.imports.items(input.importRunId, input.from, to);
        // Items are read a few at a time: a small file is read with synchronous calls, but a large one
        // streams through libuv's pool, which one-at-a-time reading would leave idle. Documents whose
        // bytes the store already knows are not parsed (an unchanged re-import).
        let read = 0;
        // The SDK throttles what reaches the server, but each call still converts its details: once per
        // document was a few percent of the worker's CPU. Every quarter second keeps the batch alive.
        let lastBeat = 0;
        const cancelled = () => new CancelledFailure(`batch ${input.from}-${input.to} cancelled before commit`);
        const prepared = await prepareItems(items, maxBytes, {
          concurrency: READ_CONCURRENCY,
          known: (digests) => store.articles.knownDigests(digests),
          ...(deps.parse ? { parse: deps.parse } : {}),
          signal: ctx.cancellationSignal,
          onProgress: everyFewMegabytes(() => ctx.heartbeat({ phase: 'reading', read } satisfies BatchHeartbeat)),
          // Cancellation arrives through heartbeats; before the commit there is nothing to undo.
          beforeItem: () => {
            if (ctx.cancellationSignal.aborted) throw cancelled();
          },
          afterItem: (docs) => {
            read = docs;
            if (Date.now() - lastBeat >= HEARTBEAT_EVERY_MS) {
              lastBeat = Date.now();
              ctx.heartbeat({ phase: 'reading', read } satisfies BatchHeartbeat);
            }
          },
        });
        if (ctx.cancellationSignal.aborted) throw cancelled();

        // A commit waiting out a slow database still heartbeats, so it is not taken for a dead worker.
        const counts = await commitBatch(
          store.db,
          { runId: input.importRunId, from: input.from, to, files: items.length, prepared, policy: deps.reviewPolicy, dryRun: input.dryRun },
          (written) => ctx.heartbeat({ phase: 'committing', written } satisfies BatchHeartbeat),
        );
        ctx.heartbeat({ phase: 'committed', counts } satisfies BatchHeartbeat);
        return counts;
      } catch (error) {
        if (error instanceof CancelledFailure) throw error;
        // An earlier attempt that timed out but still ran may have committed first: report its counts.
        if (isUniqueViolation(error)) {
          const committed = await store.imports.committedBatch(input.importRunId, input.from).catch(() => undefined);
          if (committed) return committed;
        }
        throw toApplicationFailure(error, `importing batch ${input.from}-${input.to} of run ${input.importRunId}`);
      }
    },

    async finishImport(report: ImportReport): Promise<void> {
      try {
        await store.imports.finishRun(report);
      } catch (error) {
        throw toApplicationFailure(error, `recording the report of import ${report.importRunId}`);
      }
    },
  };
}

export type ImportActivities = ReturnType<typeof createImportActivities>;
