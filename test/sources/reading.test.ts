// File-system hazards when reading documents (issue 8, items 2, 8, 9, 16): only regular files are
// documents, nothing outside the source root is read, a FIFO or an endless device never stalls a read,
// long reads stop when aborted, and a name that is not UTF-8 is reported as such.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, open, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../src/domain/article/index.js';
import { manifestEntries } from '../../src/ingest/read.js';
import { lossyName, readDocumentFile, readDocumentLine, readDocuments, sourceFiles, type DocumentResult } from '../../src/sources/documents.js';
import { VALID_EXPORT } from '../domain/fixtures.js';

let base: string;
let source: string;
let outside: string;

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Fails the test instead of hanging it when a read blocks. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running after ${ms} ms: the read blocked`)), ms))]);
}

function canonicalJson(): string {
  const result = parse(VALID_EXPORT);
  if (!result.ok) throw new Error('fixture must parse');
  return JSON.stringify(result.article);
}

const messages = (doc: DocumentResult | undefined) => (doc && !doc.result.ok ? doc.result.errors.map((e) => e.message) : []);

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'pressroom-hazards-'));
  source = path.join(base, 'source');
  outside = path.join(base, 'outside');
  await mkdir(path.join(source, 'sub'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), 'root:$6$SECRETHASH:19000:0:99999:7:::\n');
  await writeFile(path.join(source, 'a.txt'), VALID_EXPORT);
  await symlink(path.join(outside, 'secret.txt'), path.join(source, 'b-shadow.txt'));
  await symlink('../a.txt', path.join(source, 'sub', 'c-alias.txt'));
  await symlink('/dev/zero', path.join(source, 'd-zero.txt'));
  await symlink('/dev/urandom', path.join(source, 'e-urandom.json'));
  execFileSync('mkfifo', [path.join(source, 'f-fifo.txt')]);
  // A Latin-1 name: the byte 0xE9 alone is not UTF-8.
  await writeFile(Buffer.concat([Buffer.from(path.join(source, 'g-caf')), Buffer.from([0xe9]), Buffer.from('.txt')]), 'x');
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('only regular files are documents', () => {
  it('refuses a FIFO without blocking on its open (nobody writes to it)', async () => {
    const docs = await within(5_000, collect(readDocumentFile(path.join(source, 'f-fifo.txt'))));
    expect(docs).toHaveLength(1);
    expect(messages(docs[0])).toEqual([expect.stringMatching(/f-fifo\.txt is a FIFO \(named pipe\): only regular files are documents/)]);
  });

  it('refuses a link to /dev/zero or /dev/urandom, even for the oversize hash', async () => {
    for (const name of ['d-zero.txt', 'e-urandom.json']) {
      const docs = await within(5_000, collect(readDocumentFile(path.join(source, name), { identifyOversize: true, maxBytes: 10 })));
      expect(messages(docs[0])).toEqual([expect.stringMatching(/is a character device: only regular files are documents, and nothing was read/)]);
      expect(docs[0]?.raw).toBeUndefined();
    }
  });

  it('`parse` of a whole directory with such entries finishes, each refused on its own', async () => {
    const docs = await within(10_000, collect(readDocuments(source)));
    const byName = new Map(docs.map((d) => [path.basename(d.file), d]));
    expect(byName.get('a.txt')?.result.ok).toBe(true);
    expect(byName.get('c-alias.txt')?.result.ok).toBe(true); // inside the source: followed
    expect(messages(byName.get('f-fifo.txt'))[0]).toMatch(/FIFO/);
    // /dev/zero is outside the source too: refused before its type is even looked at.
    expect(messages(byName.get('d-zero.txt'))[0]).toMatch(/leads outside the source/);
  });
});

describe('`pressroom parse` (the CLI, as a child process)', () => {
  it('on a FIFO does not hang: it reports the FIFO rejected and exits 1', async () => {
    const fifo = path.join(source, 'f-fifo.txt');
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, ['bin/pressroom.mjs', 'parse', fifo], { timeout: 60_000 }, (error, stdout) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout });
      });
    });
    expect(stdout).toMatch(/rejected\s+.*f-fifo\.txt/);
    expect(stdout).toMatch(/is a FIFO \(named pipe\): only regular files are documents/);
    expect(code).toBe(1);
  }, 90_000);
});

describe('nothing outside the source root is read', () => {
  it('refuses a symlink that leads outside the source, naming the link, with none of its bytes', async () => {
    const link = path.join(source, 'b-shadow.txt');
    const [doc] = await collect(readDocumentFile(link, { root: source }));
    expect(messages(doc)).toEqual([
      `${link} leads outside the source ${source} (through a symbolic link): only links that stay inside the source are followed, and nothing was read`,
    ]);
    expect(doc?.raw).toBeUndefined();
    expect(JSON.stringify(doc)).not.toContain('SECRETHASH');
  });

  it('checks again at read time: a link retargeted after listing is refused', async () => {
    const link = path.join(source, 'sub', 'later.txt');
    await writeFile(path.join(source, 'sub', 'target.txt'), VALID_EXPORT);
    await symlink('target.txt', link);
    try {
      const [entry] = (await collect(sourceFiles([source]))).filter((e) => e.path.endsWith('later.txt'));
      expect(entry?.real).toBe(path.join(source, 'sub', 'target.txt'));
      await rm(link);
      await symlink(path.join(outside, 'secret.txt'), link);
      const [doc] = await collect(readDocumentFile(link, { root: source }));
      expect(messages(doc)[0]).toMatch(/leads outside the source/);
      expect(JSON.stringify(doc)).not.toContain('SECRETHASH');
    } finally {
      await rm(link, { force: true });
      await rm(path.join(source, 'sub', 'target.txt'), { force: true });
    }
  });

  it('lists a link inside the source under its target, so the two are one document', async () => {
    const entries = await collect(sourceFiles([source]));
    const alias = entries.find((e) => e.path.endsWith('c-alias.txt'));
    expect(alias?.real).toBe(path.join(source, 'a.txt'));
    const shadow = entries.find((e) => e.path.endsWith('b-shadow.txt'));
    expect(shadow?.real).toBe(path.join(source, 'b-shadow.txt')); // outside: listed as the link, refused when read
  });

  it('a source named twice, or through a symlinked alias of it, is walked once', async () => {
    const alias = path.join(base, 'alias');
    await symlink(source, alias);
    try {
      const once = await collect(sourceFiles([source]));
      const twice = await collect(sourceFiles([source, source, alias, path.join(source, 'sub')]));
      expect(twice.map((e) => e.real)).toEqual(once.map((e) => e.real));
      // Listed through the alias alone, entries are keyed by their resolved paths all the same.
      const viaAlias = await collect(sourceFiles([alias]));
      expect(viaAlias.map((e) => e.real)).toEqual(once.map((e) => e.real));
    } finally {
      await rm(alias);
    }
  });
});

describe('names that are not UTF-8', () => {
  it('are reported as such, shown with %-escapes, instead of a misleading ENOENT', async () => {
    const entries = await collect(sourceFiles([source]));
    const bad = entries.find((e) => e.problem !== undefined);
    expect(bad).toMatchObject({
      path: path.join(source, 'g-caf%E9.txt'),
      problem: expect.stringMatching(/file name is not valid UTF-8 \(shown here with %-escapes\): rename it/),
    });
    const docs = await collect(readDocuments(source));
    const reported = docs.find((d) => d.file.endsWith('g-caf%E9.txt'));
    expect(messages(reported)[0]).toMatch(/not valid UTF-8/);
    expect(JSON.stringify(docs)).not.toMatch(/ENOENT/);
  });

  it('a UTF-8 name that starts with a byte order mark keeps it, and its file is read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pressroom-bom-'));
    try {
      const name = '\uFEFFbom.txt';
      await writeFile(path.join(dir, name), VALID_EXPORT);
      const [entry] = await collect(sourceFiles([dir]));
      // A decoder that strips the mark listed "bom.txt", which does not exist (ENOENT when read).
      expect(entry).toMatchObject({ path: path.join(dir, name) });
      expect(entry?.problem).toBeUndefined();
      const [doc] = await collect(readDocuments(dir));
      expect(doc?.result.ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lossyName escapes bytes outside printable ASCII and the escape character itself', () => {
    expect(lossyName(Buffer.from([0x61, 0xff, 0x25, 0x0a, 0x62]))).toBe('a%FF%25%0Ab');
  });
});

describe('long reads stop when aborted and report progress', () => {
  it('hashing an oversize file for its identity heartbeats and stops on abort', async () => {
    const file = path.join(base, 'sparse.txt');
    const handle = await open(file, 'w');
    await handle.truncate(512 * 1024 * 1024);
    await handle.close();
    try {
      const controller = new AbortController();
      const seen: number[] = [];
      const reason = new Error('cancelled by the test');
      const reading = collect(
        readDocumentFile(file, {
          identifyOversize: true,
          maxBytes: 1024,
          signal: controller.signal,
          onProgress: (bytes) => {
            seen.push(bytes);
            if (bytes >= 8 * 1024 * 1024) controller.abort(reason);
          },
        }),
      );
      await expect(within(10_000, reading)).rejects.toBe(reason);
      expect(seen.length).toBeGreaterThan(1);
      expect(seen.at(-1)).toBeLessThan(512 * 1024 * 1024);
    } finally {
      await rm(file);
    }
  });

  it('an oversize file is identified by its size and streamed sha256', async () => {
    const file = path.join(base, 'big.txt');
    const bytes = 'z'.repeat(3_000);
    await writeFile(file, bytes);
    try {
      const [doc] = await collect(readDocumentFile(file, { identifyOversize: true, maxBytes: 1_000 }));
      expect(doc?.unkept).toEqual({ size: 3_000, sha256: createHash('sha256').update(bytes).digest('hex') });
    } finally {
      await rm(file);
    }
  });
});

describe('.ndjson streams are listed line by line', () => {
  it('lists one entry per non-blank line with its byte range, and reads one line alone', async () => {
    const dir = path.join(base, 'nd');
    await mkdir(dir);
    const json = canonicalJson();
    const file = path.join(dir, 's.ndjson');
    await writeFile(file, `${json}\n\n  \r\n{"x":1}\r\n${json}`);
    const entries = await collect(manifestEntries([dir]));
    expect(entries).toEqual([
      { path: file, root: dir, line: 1, offset: 0, length: json.length },
      { path: file, root: dir, line: 4, offset: json.length + 6, length: 8 },
      { path: file, root: dir, line: 5, offset: json.length + 15, length: json.length },
    ]);
    const line5 = await readDocumentLine(file, { line: 5, offset: json.length + 15, length: json.length }, { root: dir });
    expect(line5.result.ok).toBe(true);
    const line4 = await readDocumentLine(file, { line: 4, offset: json.length + 6, length: 8 }, { root: dir });
    expect(line4.result.ok).toBe(false);
    // A line that moved since the listing is refused, not misread.
    const moved = await readDocumentLine(file, { line: 1, offset: 3, length: json.length }, { root: dir });
    expect(messages(moved)[0]).toMatch(/line 1 changed since the source was listed/);
  });

  it('an .ndjson behind a link out of the source is one rejected entry, never streamed', async () => {
    const dir = path.join(base, 'nd-out');
    await mkdir(dir);
    await writeFile(path.join(outside, 'x.ndjson'), `${canonicalJson()}\n${canonicalJson()}\n`);
    await symlink(path.join(outside, 'x.ndjson'), path.join(dir, 'x.ndjson'));
    const entries = await collect(manifestEntries([dir]));
    expect(entries).toEqual([{ path: path.join(dir, 'x.ndjson'), root: dir, problem: expect.stringMatching(/leads outside the source/) }]);
  });
});

it('the FIFO fixture really is a FIFO (the test above would prove nothing otherwise)', () => {
  expect(existsSync(path.join(source, 'f-fifo.txt'))).toBe(true);
  expect(
    execFileSync('stat', ['-c', '%F', path.join(source, 'f-fifo.txt')])
      .toString()
      .trim(),
  ).toBe('fifo');
});
