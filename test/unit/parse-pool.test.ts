import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExport, synthesizeDocuments } from '../../src/domain/article/index.js';
import { parseHere, type ParseRequest } from '../../src/ingest/parse-document.js';
import { createParsePool } from '../../src/ingest/parse-pool.js';

const MAX_BYTES = 1_000_000;

// Exports, accepted and rejected (the synthesizer's bad kinds include binary and non-UTF-8 bytes), and
// canonical JSON made of some of them, with one of every ten given a field the schema refuses.
const exports: ParseRequest[] = [...synthesizeDocuments(11, 200, { badRatio: 0.2 })].map((doc) => ({
  format: 'export',
  bytes: typeof doc.content === 'string' ? Buffer.from(doc.content, 'utf8') : Buffer.from(doc.content),
}));
const json: ParseRequest[] = exports.slice(0, 60).flatMap((doc, i) => {
  const parsed = parseExport(doc.bytes);
  if (!parsed.ok) return [];
  const value = i % 10 === 0 ? { ...parsed.article, unexpected: true } : parsed.article;
  return [{ format: 'json' as const, bytes: Buffer.from(JSON.stringify(value), 'utf8') }];
});
const docs = exports.flatMap((doc, i) => (json[i] ? [doc, json[i]] : [doc]));

describe('parse threads', () => {
  const pool = createParsePool(2);
  afterAll(() => pool.close());

  it('parse to exactly what the calling thread does, accepted and rejected, in the order asked', async () => {
    const expected = await parseHere(docs, MAX_BYTES);
    expect(expected.some((r) => r.ok) && expected.some((r) => !r.ok)).toBe(true);
    for (const format of ['json', 'export'])
      expect(new Set(expected.filter((_, i) => docs[i]!.format === format).map((r) => r.ok))).toEqual(new Set([true, false]));
    expect(await pool.parse(docs, MAX_BYTES)).toEqual(expected);
  });

  it('answer batches in flight at once each to its own caller, and leave the bytes they were given intact', async () => {
    const slices = [docs.slice(0, 50), docs.slice(50, 51), docs.slice(51, 180), docs.slice(180)];
    const copies = slices.map((slice) => slice.map((d) => Buffer.from(d.bytes)));
    const results = await Promise.all(slices.map((slice) => pool.parse(slice, MAX_BYTES)));
    for (const [i, slice] of slices.entries()) expect(results[i]).toEqual(await parseHere(slice, MAX_BYTES));
    slices.forEach((slice, i) => slice.forEach((d, j) => expect(Buffer.compare(Buffer.from(d.bytes), copies[i]![j]!)).toBe(0)));
  });

  it('apply the size limit they are given', async () => {
    const [big] = await pool.parse([docs.find((d) => d.format === 'export' && d.bytes.byteLength > 2_000)!], 2_000);
    expect(big).toMatchObject({ ok: false, errors: [{ field: 'document', message: expect.stringMatching(/over the limit of 2\.0 KB \(2000 bytes\)$/) }] });
  });

  it('answer an empty batch without a thread, and refuse work once closed', async () => {
    const closed = createParsePool(1);
    expect(await closed.parse([], MAX_BYTES)).toEqual([]);
    await closed.close();
    await expect(closed.parse(docs.slice(0, 1), MAX_BYTES)).rejects.toThrow(/the parse pool is closed/);
  });

  it("fail a dead thread's batch with a retryable error, and give the next batch a new thread", async () => {
    const dying = createParsePool(1, { entry: new URL('../helpers/dying-parse-thread.ts', import.meta.url) });
    try {
      const first = await dying.parse(docs.slice(0, 2), 1).catch((e: Error) => e.message);
      expect(first).toMatch(/^a parse thread failed: answered by thread \d+$/);
      await expect(dying.parse(docs.slice(0, 2), 13)).rejects.toThrow('a parse thread exited (code 7) with documents unparsed');
      const next = await dying.parse(docs.slice(0, 2), 1).catch((e: Error) => e.message);
      expect(next).toMatch(/^a parse thread failed: answered by thread \d+$/);
      expect(next).not.toBe(first);
    } finally {
      await dying.close();
    }
  });

  it('never keep a process alive once its work is done', () => {
    const module = fileURLToPath(new URL('../../src/ingest/parse-pool.ts', import.meta.url));
    const script = `import { createParsePool } from ${JSON.stringify(module)};
      const pool = createParsePool(2);
      const [result] = await pool.parse([{ format: 'json', bytes: Buffer.from('{}') }], 1000);
      console.log(JSON.stringify(result));`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ ok: false, errors: expect.arrayContaining([expect.objectContaining({ field: 'sourceId' })]) });
  });
});
