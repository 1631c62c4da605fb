import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sortedEntries, type DirEntry } from '../../src/sources/sorted-dir.js';

const root = mkdtempSync(join(tmpdir(), 'pressroom-sorted-dir-'));
const dir = join(root, 'source');
const spillParent = join(root, 'tmp');
const savedTmp = process.env.TMPDIR;

async function collect(iterable: AsyncIterable<DirEntry>): Promise<Array<{ name: string; kind: string }>> {
  const out: Array<{ name: string; kind: string }> = [];
  for await (const e of iterable) out.push({ name: e.name.toString('latin1'), kind: e.kind });
  return out;
}

describe('sortedEntries: a directory in name-byte order with bounded memory', () => {
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    mkdirSync(spillParent);
    // Spill files go to os.tmpdir(): a private one shows they are made and removed.
    process.env.TMPDIR = spillParent;
    // Shuffled creation order, names whose byte order differs from code-point and locale order.
    for (let i = 1_049; i >= 0; i--) writeFileSync(join(dir, `${(i * 7919) % 1_050}-${i % 3 === 0 ? 'Z' : 'a'}.txt`), '');
    writeFileSync(Buffer.from(join(dir, 'caf\xe9-latin1.txt'), 'latin1'), '');
    writeFileSync(join(dir, 'été.txt'), '');
    mkdirSync(join(dir, 'sub'));
    symlinkSync(join(dir, 'sub'), join(dir, 'link'));
  });
  afterAll(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    rmSync(root, { recursive: true, force: true });
  });

  const expected = () =>
    readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })
      .sort((a, b) => Buffer.compare(a.name, b.name))
      .map((e) => ({ name: e.name.toString('latin1'), kind: e.isDirectory() ? 'directory' : e.isSymbolicLink() ? 'symlink' : 'other' }));

  it('sorts in memory when the directory fits one run, and writes nothing to disk', async () => {
    const entries = await collect(sortedEntries(dir));
    expect(entries).toEqual(expected());
    expect(entries).toHaveLength(1_054);
    expect(readdirSync(spillParent)).toEqual([]);
  });

  it('merges sorted runs spilled to disk into the same order, and removes them', async () => {
    const entries = await collect(sortedEntries(dir, { runEntries: 100 }));
    expect(entries).toEqual(expected());
    expect(readdirSync(spillParent)).toEqual([]);
  });

  it('removes its runs when the reader stops early', async () => {
    const first: string[] = [];
    for await (const e of sortedEntries(dir, { runEntries: 100 })) {
      first.push(e.name.toString('latin1'));
      if (readdirSync(spillParent).length !== 1) throw new Error('expected one spill directory while merging');
      if (first.length === 5) break;
    }
    expect(first).toEqual(
      expected()
        .slice(0, 5)
        .map((e) => e.name),
    );
    expect(readdirSync(spillParent)).toEqual([]);
  });

  it('throws the error of a directory it cannot open', async () => {
    await expect(collect(sortedEntries(join(dir, 'missing')))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
