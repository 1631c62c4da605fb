// File-system hazards through the whole stack (issue 8): a real worker, the dev server and a real
// database import a source holding a FIFO, links to /dev/zero, /dev/urandom and a file outside the
// source, a name that is not UTF-8, a large .ndjson with a bad and an oversize line, and a sourceId
// repeated inside the source. The import must finish (no stall), store every valid document once,
// reject each hazard with its specific reason, read nothing outside the source, and leave the worker
// serving.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, startImport, type PressroomClient } from '../../src/client.js';
import { synthesizeDocument } from '../../src/domain/article/index.js';
import type { RejectionRow } from '../../src/store/imports.js';
import { startWorker, type RunningWorker } from '../../src/worker.js';
import { writeCorpus, type Corpus } from '../helpers/corpus.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { testConfig, workflowBundle } from '../helpers/temporal.js';

const SEED = 23;
const NDJSON_LINES = 2_000;

for (const backend of backends()) {
  describe(`hostile files end to end: dev server + worker + ${backend.name}`, () => {
    const root = mkdtempSync(join(tmpdir(), 'pressroom-hostile-e2e-'));
    const source = join(root, 'source');
    let database: TestDatabase;
    let worker: RunningWorker;
    let client: PressroomClient;
    let corpus: Corpus;
    let ndjsonGood = 0;

    const api = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${worker.httpUrl}${path}`);
      expect(response.status).toBe(200);
      return (await response.json()) as T;
    };
    const importPaths = async (paths: string[]) => {
      const { handle } = await startImport(client, { paths, batchSize: 50, concurrency: 3 }, { id: `hostile-${backend.name}-${Date.now()}` });
      // Stalled reads would hold this past any reasonable bound: the race turns a stall into a failure.
      return Promise.race([handle.result(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the import stalled')), 150_000))]);
    };

    beforeAll(async () => {
      database = await backend.create();
      const config = testConfig(database.config);
      worker = await startWorker(config, { workflowBundle: workflowBundle() });
      client = await connectClient(config);
      corpus = writeCorpus(source, { seed: SEED, count: 20, badRatio: 0 });
      mkdirSync(join(root, 'outside'));
      writeFileSync(join(root, 'outside', 'shadow.txt'), 'root:$6$E2ESECRET:19000:0:99999:7:::\n');
      symlinkSync(join(root, 'outside', 'shadow.txt'), join(source, 'zz-shadow.txt'));
      symlinkSync('/dev/zero', join(source, 'zz-zero.txt'));
      symlinkSync('/dev/urandom', join(source, 'zz-urandom.json'));
      execFileSync('mkfifo', [join(source, 'zz-fifo.txt')]);
      writeFileSync(Buffer.concat([Buffer.from(join(source, 'zz-caf')), Buffer.from([0xe9]), Buffer.from('.txt')]), 'x');
      // A second copy of a corpus document under its sourceId, with other content: a duplicate.
      const original = corpus.good[0]!;
      const twin = { ...original.expected!, title: `${original.expected!.title} (a second copy)` };
      writeFileSync(join(source, 'zz-twin.json'), JSON.stringify(twin));
      // The stream: valid lines, a broken one and one over the 5 MB limit.
      const lines: string[] = [];
      for (let i = 0; i < NDJSON_LINES; i++) {
        if (i === 700) lines.push('{"broken": ');
        else if (i === 1_300) lines.push(`{"padding": "${'p'.repeat(6 * 1024 * 1024)}"}`);
        else {
          const doc = synthesizeDocument(SEED, 100_000 + i, { badRatio: 0 }); // ids apart from the corpus's
          lines.push(JSON.stringify(doc.expected));
          ndjsonGood++;
        }
      }
      writeFileSync(join(source, 'stream.ndjson'), `${lines.join('\n')}\n`);
    });
    afterAll(async () => {
      await client?.close();
      await worker?.shutdown();
      await database?.cleanup();
      rmSync(root, { recursive: true, force: true });
    });

    it('finishes, stores every valid document once and rejects each hazard with its reason', async () => {
      const report = await importPaths([source]);
      // shadow, zero, urandom, fifo, the non-UTF-8 name and the twin; the stream adds 2 bad lines.
      const hazards = 6;
      expect(report).toMatchObject({ status: 'completed', total: 20 + hazards + NDJSON_LINES });
      expect(report.counts).toMatchObject({ documents: 20 + hazards + NDJSON_LINES, created: 20 + ndjsonGood, rejected: hazards + 2 });

      const { rejections } = await api<{ rejections: RejectionRow[] }>('/rejections?limit=1000');
      const reason = (path: string, line = 0) =>
        rejections
          .find((r) => r.path === path && r.line === line)
          ?.errors.map((e) => e.message)
          .join('; ');
      expect(reason(join(source, 'zz-shadow.txt'))).toMatch(/leads outside the source .* nothing was read/);
      expect(reason(join(source, 'zz-zero.txt'))).toMatch(/leads outside the source/);
      expect(reason(join(source, 'zz-urandom.json'))).toMatch(/leads outside the source/);
      expect(reason(join(source, 'zz-fifo.txt'))).toMatch(/is a FIFO \(named pipe\): only regular files are documents/);
      expect(reason(join(source, 'zz-caf%E9.txt'))).toMatch(/file name is not valid UTF-8/);
      expect(reason(join(source, 'zz-twin.json'))).toBe(`duplicate sourceId in this source, first seen at ${join(source, corpus.good[0]!.fileName)}`);
      expect(reason(join(source, 'stream.ndjson'), 701)).toBeDefined();
      expect(reason(join(source, 'stream.ndjson'), 1_301)).toMatch(/^line 1301 is 6\.0 MB\b.*over the limit of 5\.0 MB/);
      expect(JSON.stringify(rejections)).not.toContain('E2ESECRET');

      const stored = await api<{ revisions: Array<{ article: unknown }> }>(`/articles/${corpus.good[0]!.sourceId}`);
      expect(stored.revisions.map((r) => r.article)).toEqual([corpus.good[0]!.expected]);
      const health = await fetch(`${worker.httpUrl}/health`);
      expect(health.status).toBe(200);
    });

    it('importing the source twice over, or through an alias, counts every document once', async () => {
      symlinkSync(source, join(root, 'alias'));
      const before = await api<{ total: number }>('/rejections');
      const report = await importPaths([source, source, join(root, 'alias')]);
      expect(report.total).toBe(20 + 6 + NDJSON_LINES);
      expect(report.counts).toMatchObject({ created: 0, updated: 0, unchanged: 20 + ndjsonGood });
      const after = await api<{ total: number }>('/rejections');
      expect(after.total).toBe(before.total);
    });
  });
}
