import { CheckAccumulator, CONTENT_CHECKS, type ContentCheck } from '../domain/release/checks.js';
import { ErrorType, PressroomError } from '../domain/errors.js';
import { ReleaseNotFoundError } from '../domain/release/errors.js';
import type { CheckReport } from '../domain/release/model.js';
import type { Store } from '../store/index.js';

// Runs the content checks over a release's revisions as stored, a page at a time (a 5,000-article
// release never sits in memory whole), and records the report on the release.

export const CHECK_PAGE_SIZE = 500;

export type CheckRunOptions = {
  pageSize?: number;
  checks?: readonly ContentCheck[];
  /** After each page, with how many revisions are checked so far (the activity heartbeats). */
  onProgress?: (checked: number) => void;
  signal?: AbortSignal;
};

export async function runReleaseChecks(
  store: Pick<Store, 'releases'>,
  releaseId: string,
  options: CheckRunOptions = {},
): Promise<CheckReport & { checked: number }> {
  const release = await store.releases.summary(releaseId);
  if (!release) throw new ReleaseNotFoundError(`no release ${releaseId} to check: expected the id buildRelease returned`);
  const accumulator = new CheckAccumulator(options.checks ?? CONTENT_CHECKS);
  const pageSize = options.pageSize ?? CHECK_PAGE_SIZE;
  let after: string | null = null;
  let checked = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await store.releases.checkSubjects(releaseId, after, pageSize);
    for (const subject of page) accumulator.add(subject);
    checked += page.length;
    options.onProgress?.(checked);
    if (page.length < pageSize) break;
    after = page[page.length - 1]?.sourceId ?? null;
  }
  // Every article of the manifest must have been read; fewer means a join lost some, and the report would lie.
  if (checked !== release.articles) {
    throw new PressroomError(
      ErrorType.Unexpected,
      `checked ${checked} revisions of release ${releaseId}, which holds ${release.articles}: the manifest and the articles disagree`,
    );
  }
  const report = accumulator.report();
  await store.releases.setChecks(releaseId, report);
  return { ...report, checked };
}
