// A directory's entries in byte order of their names, with bounded memory however many there are.
// readdir() holds every entry at once (a directory of a million exports is a few hundred MB of
// Dirents); this reads through opendir, sorts runs of RUN_ENTRIES in memory and, only when a directory
// has more than that, spills each sorted run to a temporary file and merges the runs.
import type { Dirent } from 'node:fs';
import { mkdtemp, open, opendir, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the walk needs of an entry: its name's bytes and whether it is a directory or a symbolic link. */
export type DirEntry = { name: Buffer; kind: 'directory' | 'symlink' | 'other' };

export const RUN_ENTRIES = 50_000;
const READ_BLOCK = 64 * 1024;

const KIND_CODE = { directory: 1, symlink: 2, other: 0 } as const;
const CODE_KIND = ['other', 'directory', 'symlink'] as const;

const compareNames = (a: DirEntry, b: DirEntry) => Buffer.compare(a.name, b.name);

function kindOf(entry: Dirent<Buffer>): DirEntry['kind'] {
  return entry.isDirectory() ? 'directory' : entry.isSymbolicLink() ? 'symlink' : 'other';
}

/** A run file: per entry, one kind byte, the name's length (uint32 LE), the name. */
async function writeRun(path: string, entries: DirEntry[]): Promise<void> {
  const handle = await open(path, 'w');
  try {
    let parts: Buffer[] = [];
    let size = 0;
    for (const entry of entries) {
      const head = Buffer.allocUnsafe(5);
      head.writeUInt8(KIND_CODE[entry.kind], 0);
      head.writeUInt32LE(entry.name.length, 1);
      parts.push(head, entry.name);
      size += 5 + entry.name.length;
      if (size >= READ_BLOCK) {
        await handle.write(Buffer.concat(parts, size));
        parts = [];
        size = 0;
      }
    }
    if (size > 0) await handle.write(Buffer.concat(parts, size));
  } finally {
    await handle.close();
  }
}

/** Reads a run file's entries back one at a time, a block at a time. */
class RunReader {
  private buffer = Buffer.alloc(0);
  private position = 0;
  private done = false;
  constructor(private readonly handle: FileHandle) {}

  private async fill(need: number): Promise<boolean> {
    while (this.buffer.length < need && !this.done) {
      const block = Buffer.allocUnsafe(Math.max(READ_BLOCK, need));
      const { bytesRead } = await this.handle.read(block, 0, block.length, this.position);
      if (bytesRead === 0) this.done = true;
      this.position += bytesRead;
      this.buffer = Buffer.concat([this.buffer, block.subarray(0, bytesRead)]);
    }
    return this.buffer.length >= need;
  }

  async next(): Promise<DirEntry | undefined> {
    if (!(await this.fill(5))) return undefined;
    const kind = CODE_KIND[this.buffer.readUInt8(0)] ?? 'other';
    const length = this.buffer.readUInt32LE(1);
    if (!(await this.fill(5 + length))) throw new Error('a sorted run of a directory listing ended early');
    const name = Buffer.from(this.buffer.subarray(5, 5 + length));
    this.buffer = this.buffer.subarray(5 + length);
    return { name, kind };
  }
}

async function* mergeRuns(paths: string[], signal: AbortSignal | undefined): AsyncGenerator<DirEntry> {
  const handles = await Promise.all(paths.map((p) => open(p, 'r')));
  try {
    const readers = handles.map((h) => new RunReader(h));
    const heads = await Promise.all(readers.map((r) => r.next()));
    for (;;) {
      signal?.throwIfAborted();
      let least = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i];
        if (head !== undefined && (least === -1 || compareNames(head, heads[least]!) < 0)) least = i;
      }
      if (least === -1) return;
      yield heads[least]!;
      heads[least] = await readers[least]!.next();
    }
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
}

/**
 * The entries of `dir` sorted by name bytes. Errors opening or reading the directory are thrown as
 * they come (the caller decides whether they are the source's fault). Run files live in a temporary
 * directory removed when the iteration ends, however it ends.
 */
export async function* sortedEntries(dir: string, options: { signal?: AbortSignal; runEntries?: number } = {}): AsyncGenerator<DirEntry> {
  const runEntries = options.runEntries ?? RUN_ENTRIES;
  // Node gives Buffer names for 'buffer' (a name need not be UTF-8); @types/node 20 types only text encodings.
  const handle = await opendir(dir, { encoding: 'buffer' as BufferEncoding, bufferSize: 256 });
  let spillDir: string | undefined;
  const runs: string[] = [];
  try {
    let run: DirEntry[] = [];
    // The Dir closes itself when this loop ends or throws.
    for await (const entry of handle as AsyncIterable<Dirent<Buffer>>) {
      run.push({ name: entry.name, kind: kindOf(entry) });
      if (run.length >= runEntries) {
        options.signal?.throwIfAborted();
        spillDir ??= await mkdtemp(join(tmpdir(), 'pressroom-listing-'));
        const path = join(spillDir, `run-${runs.length}`);
        await writeRun(path, run.sort(compareNames));
        runs.push(path);
        run = [];
      }
    }
    run.sort(compareNames);
    if (runs.length === 0) {
      yield* run;
      return;
    }
    if (run.length > 0) {
      const path = join(spillDir!, `run-${runs.length}`);
      await writeRun(path, run);
      runs.push(path);
    }
    run = [];
    yield* mergeRuns(runs, options.signal);
  } finally {
    if (spillDir !== undefined) await rm(spillDir, { recursive: true, force: true });
  }
}
