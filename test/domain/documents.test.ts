// Reading documents from disk: walking, formats by extension, size limits before reading.
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../src/domain/article/index.js';
import { parseDocumentBytes, readDocumentFile, readDocuments, SourceNotFoundError } from '../../src/sources/documents.js';
import type { DocumentResult } from '../../src/sources/documents.js';
import { VALID_EXPORT, withLine } from './fixtures.js';

let dir: string;

async function collect(iterable: AsyncIterable<DocumentResult>): Promise<DocumentResult[]> {
  const out: DocumentResult[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function canonicalJson(): string {
  const result = parse(VALID_EXPORT);
  if (!result.ok) throw new Error('fixture must parse');
  return JSON.stringify(result.article);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pressroom-documents-'));
  await mkdir(path.join(dir, 'b', 'deeper'), { recursive: true });
  await writeFile(path.join(dir, 'b', 'deeper', 'z.txt'), VALID_EXPORT);
  await writeFile(path.join(dir, 'a.txt'), VALID_EXPORT);
  await writeFile(path.join(dir, 'c.json'), canonicalJson());
  await writeFile(path.join(dir, 'd.ndjson'), `${canonicalJson()}\n{"x":1}\n\n${canonicalJson()}\n`);
  await writeFile(path.join(dir, 'notes.md'), 'ignored by the walk');
  await writeFile(path.join(dir, 'e-empty.txt'), '');
  await writeFile(path.join(dir, 'f-latin1.txt'), Buffer.from('caf\xe9 au lait', 'latin1'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readDocuments', () => {
  it('walks a directory recursively in sorted order, picking formats by extension', async () => {
    const docs = await collect(readDocuments(dir));
    expect(docs.map((d) => [path.relative(dir, d.file), d.line, d.result.ok])).toEqual([
      ['a.txt', undefined, true],
      [path.join('b', 'deeper', 'z.txt'), undefined, true],
      ['c.json', undefined, true],
      ['d.ndjson', 1, true],
      ['d.ndjson', 2, false],
      ['d.ndjson', 4, true],
      ['e-empty.txt', undefined, false],
      ['f-latin1.txt', undefined, false],
    ]);
  });

  it('rejects empty files and non-UTF-8 files on document', async () => {
    const [empty] = await collect(readDocumentFile(path.join(dir, 'e-empty.txt')));
    const [latin] = await collect(readDocumentFile(path.join(dir, 'f-latin1.txt')));
    expect(empty?.result).toEqual({ ok: false, errors: [{ field: 'document', message: expect.stringMatching(/empty/) }] });
    expect(latin?.result).toEqual({ ok: false, errors: [{ field: 'document', message: expect.stringMatching(/not valid UTF-8/) }] });
  });

  it('reads a single file whatever its extension', async () => {
    const docs = await collect(readDocuments(path.join(dir, 'notes.md')));
    expect(docs).toHaveLength(1);
    expect(docs[0]?.result.ok).toBe(false);
  });

  it('throws SourceNotFoundError for a missing path', async () => {
    await expect(collect(readDocuments(path.join(dir, 'nope')))).rejects.toBeInstanceOf(SourceNotFoundError);
  });
});

describe('size limits', () => {
  it('refuses an oversize file from its size alone, without reading it', async () => {
    const file = path.join(dir, 'huge.txt');
    const handle = await open(file, 'w');
    // A sparse 3 GB file: reading it whole would blow up, so finishing at all proves it was not read.
    await handle.truncate(3 * 1024 * 1024 * 1024);
    await handle.close();
    try {
      const docs = await collect(readDocumentFile(file));
      expect(docs).toEqual([
        { file, result: { ok: false, errors: [{ field: 'document', message: expect.stringMatching(/3072\.0 MB .* over the limit of 5\.0 MB/) }] } },
      ]);
    } finally {
      await rm(file);
    }
  });

  it('honours a custom limit', async () => {
    const docs = await collect(readDocumentFile(path.join(dir, 'a.txt'), { maxBytes: 64 }));
    expect(docs[0]?.result).toEqual({ ok: false, errors: [{ field: 'document', message: expect.stringMatching(/over the limit of 64 bytes/) }] });
  });

  it('applies the limit to each .ndjson line, streaming the file', async () => {
    const file = path.join(dir, 'lines.ndjson');
    const small = canonicalJson();
    await writeFile(file, `${small}\n${'x'.repeat(small.length * 3)}\n${small}`);
    try {
      const docs = await collect(readDocumentFile(file, { maxBytes: small.length + 10 }));
      expect(docs.map((d) => [d.line, d.result.ok])).toEqual([
        [1, true],
        [2, false],
        [3, true],
      ]);
      expect(docs[1]?.result).toEqual({ ok: false, errors: [{ field: 'document', message: expect.stringMatching(/^line 2 is .* over the limit/) }] });
    } finally {
      await rm(file);
    }
  });

  it('identifies an oversize .ndjson line by its size and sha256, streamed across chunks, without keeping it', async () => {
    const file = path.join(dir, 'long-line.ndjson');
    const small = canonicalJson();
    // 300 KB spans several 64 KB read chunks; the limit falls inside the first one.
    const long = Array.from({ length: 300 * 1024 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    await writeFile(file, `${small}\n${long}\n${small}\n`);
    try {
      const docs = await collect(readDocumentFile(file, { maxBytes: 10_000 }));
      expect(docs.map((d) => [d.line, d.result.ok])).toEqual([
        [1, true],
        [2, false],
        [3, true],
      ]);
      expect(docs[1]?.raw).toBeUndefined();
      expect(docs[1]?.unkept).toEqual({ size: long.length, sha256: createHash('sha256').update(long).digest('hex') });
      expect(docs[1]?.result).toEqual({
        ok: false,
        errors: [{ field: 'document', message: expect.stringMatching(new RegExp(`^line 2 is ${(long.length / 1024).toFixed(1)} KB`)) }],
      });
      expect(docs[2]?.unkept).toBeUndefined();
    } finally {
      await rm(file);
    }
  });
});

describe('parseDocumentBytes', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('picks the format by extension', () => {
    expect(parseDocumentBytes('x.txt', bytes(VALID_EXPORT))).toEqual([{ result: parse(VALID_EXPORT) }]);
    expect(parseDocumentBytes('x.JSON', bytes(canonicalJson()))[0]?.result.ok).toBe(true);
    expect(parseDocumentBytes('x.ndjson', bytes(`${canonicalJson()}\n${canonicalJson()}`)).map((r) => r.line)).toEqual([1, 2]);
  });

  it('reports the field of a bad export', () => {
    const [only] = parseDocumentBytes('x.txt', bytes(withLine('view count201251', 'view count12k')));
    expect(only?.result.ok === false && only.result.errors).toEqual([{ field: 'meta.viewCount', message: 'expected a whole number >= 0, got "12k"' }]);
  });

  it('refuses a .ndjson file that is not UTF-8', () => {
    expect(parseDocumentBytes('x.ndjson', new Uint8Array([0x7b, 0xff]))).toEqual([
      { result: { ok: false, errors: [{ field: 'document', message: expect.stringMatching(/UTF-8/) }] } },
    ]);
  });
});
