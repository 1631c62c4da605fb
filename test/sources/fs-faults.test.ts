// A passing file-system fault (EMFILE, EIO) is not the document's fault (issue 8, item 15): it must be
// thrown, so Temporal retries the batch, instead of quarantining a good document for good. Only
// ENOENT/EACCES/EISDIR/ELOOP/ENOTDIR-like errors make a rejection.
import * as fs from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';

type Fs = typeof fs;
type FsPromises = typeof fsp;
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createImportActivities } from '../../src/activities/import.js';
import { prepareItem } from '../../src/ingest/read.js';
import { readDocumentFile } from '../../src/sources/documents.js';
import { openStore, type Store } from '../../src/store/index.js';
import { VALID_EXPORT } from '../domain/fixtures.js';

// Small documents are opened with openSync, large ones (and oversize ones, to hash them) with open.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<Fs>();
  return { ...actual, openSync: vi.fn(actual.openSync) };
});
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<FsPromises>();
  return { ...actual, open: vi.fn(actual.open) };
});

const errno = (code: string) => Object.assign(new Error(`${code}: simulated fault`), { code });

async function restoreOpen(): Promise<void> {
  vi.mocked(fs.openSync).mockImplementation((await vi.importActual<Fs>('node:fs')).openSync);
  vi.mocked(fsp.open).mockImplementation((await vi.importActual<FsPromises>('node:fs/promises')).open);
}

/** Makes the next open of `file` (through `via`) fail with `code`; every other open is untouched. */
async function failNextOpen(file: string, code: string, via: 'openSync' | 'open' = 'openSync'): Promise<void> {
  await restoreOpen();
  if (via === 'openSync') {
    const actual = (await vi.importActual<Fs>('node:fs')).openSync;
    vi.mocked(fs.openSync).mockImplementation((path, ...rest) => {
      if (String(path) === file) {
        vi.mocked(fs.openSync).mockImplementation(actual);
        throw errno(code);
      }
      return actual(path, ...rest);
    });
  } else {
    const actual = (await vi.importActual<FsPromises>('node:fs/promises')).open;
    vi.mocked(fsp.open).mockImplementation(async (path, ...rest) => {
      if (String(path) === file) {
        vi.mocked(fsp.open).mockImplementation(actual);
        throw errno(code);
      }
      return actual(path, ...rest);
    });
  }
}

describe('file-system faults while reading', () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-fsfault-'));
  const source = join(root, 'source');
  const file = join(source, 'a.txt');
  let store: Store;
  beforeAll(async () => {
    rmSync(source, { recursive: true, force: true });
    await fsp.mkdir(source);
    writeFileSync(file, VALID_EXPORT);
    store = await openStore({ kind: 'pglite', dataDir: join(root, 'db') });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(root, { recursive: true, force: true });
  });
  afterEach(restoreOpen);

  it.each(['EMFILE', 'EIO', 'ENFILE', 'ENOMEM'])('%s propagates from readDocumentFile and prepareItem', async (code) => {
    await failNextOpen(file, code);
    await expect(readDocumentFile(file).next()).rejects.toMatchObject({ code });
    await failNextOpen(file, code);
    await expect(prepareItem({ seq: 0, path: file, root: source }, 1_000_000)).rejects.toMatchObject({ code });
  });

  it.each(['EMFILE', 'EIO'])('%s propagates from the streaming path a large file takes', async (code) => {
    const large = join(source, 'large.txt');
    writeFileSync(large, VALID_EXPORT + ' '.repeat(2 * 1024 * 1024));
    try {
      await failNextOpen(large, code, 'open');
      await expect(prepareItem({ seq: 0, path: large, root: source }, 8 * 1024 * 1024)).rejects.toMatchObject({ code });
      expect(vi.mocked(fs.openSync)).toHaveBeenCalledWith(large, expect.any(Number));
      await failNextOpen(large, code, 'open');
      // Oversize: only hashed, through the same streaming open.
      await expect(prepareItem({ seq: 0, path: large, root: source }, 1024 * 1024)).rejects.toMatchObject({ code });
    } finally {
      rmSync(large);
    }
  });

  it.each(['EACCES', 'ENOENT', 'ELOOP'])("%s is the document's fault: a rejection", async (code) => {
    await failNextOpen(file, code);
    const [doc] = await prepareItem({ seq: 0, path: file, root: source }, 1_000_000);
    expect(doc).toMatchObject({
      ok: false,
      errors: [{ field: 'document', message: `the file was listed but cannot be read now (${code}): expected a readable regular file` }],
    });
  });

  it('a batch hit by EMFILE fails retryable and quarantines nothing; its retry stores the document', async () => {
    const activities = createImportActivities({ store, reviewPolicy: 'none' });
    await new MockActivityEnvironment().run(activities.listSource, { importRunId: 'run-f', workflowId: 'wf', paths: [source], dryRun: false });
    await failNextOpen(file, 'EMFILE');
    const error = await new MockActivityEnvironment()
      .run(activities.importBatch, { importRunId: 'run-f', from: 0, to: 1, dryRun: false })
      .catch((e: unknown) => e);
    // Typed SourceUnavailable: retried with the batch's backoff, not the few tries an Unexpected error gets.
    expect(error).toMatchObject({ nonRetryable: false, type: 'SourceUnavailable' });
    expect((error as Error).message).toMatch(/EMFILE/);
    const [rejections] = await store.db.query<{ n: number }>('SELECT count(*) AS n FROM rejections');
    expect(rejections?.n).toBe(0);
    const counts = await new MockActivityEnvironment().run(activities.importBatch, { importRunId: 'run-f', from: 0, to: 1, dryRun: false });
    expect(counts).toMatchObject({ documents: 1, created: 1, rejected: 0 });
  });
});
