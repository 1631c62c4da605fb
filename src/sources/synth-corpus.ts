// Writes synthetic exports to a directory: shared by `pressroom synth`, the dev stack's sample
// import and the benchmarks, so every corpus on disk is the same bytes for the same seed.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { synthesizeDocuments } from '../domain/article/index.js';

/**
 * `filesPerDir` spreads the files over subdirectories `part-00000`, `part-00001`, … of that many files
 * each (by document index), for corpora too big for one directory to be pleasant.
 */
export type SynthCorpusOptions = { seed: number; count: number; badRatio?: number; from?: number; filesPerDir?: number };
export type SynthCorpusSummary = { count: number; bad: number; bytes: number };

// A few writes in flight keep the disk busy without holding more than a handful of documents.
const IN_FLIGHT = 16;

/** Writes documents [from, from + count) under dir, one file each, generated one at a time (bounded memory). */
export async function writeSynthCorpus(dir: string, options: SynthCorpusOptions): Promise<SynthCorpusSummary> {
  await mkdir(dir, { recursive: true });
  const made = new Set<string>();
  const dirFor = async (index: number): Promise<string> => {
    if (options.filesPerDir === undefined) return dir;
    const sub = join(dir, `part-${String(Math.floor(index / options.filesPerDir)).padStart(5, '0')}`);
    if (!made.has(sub)) {
      await mkdir(sub, { recursive: true });
      made.add(sub);
    }
    return sub;
  };
  const pending = new Set<Promise<void>>();
  let bad = 0;
  let bytes = 0;
  const docs = synthesizeDocuments(options.seed, options.count, { badRatio: options.badRatio ?? 0, from: options.from ?? 0 });
  for (const doc of docs) {
    if (doc.expectBad !== null) bad++;
    bytes += typeof doc.content === 'string' ? Buffer.byteLength(doc.content) : doc.content.byteLength;
    const write: Promise<void> = writeFile(join(await dirFor(doc.index), doc.fileName), doc.content).finally(() => pending.delete(write));
    pending.add(write);
    if (pending.size >= IN_FLIGHT) await Promise.race(pending);
  }
  await Promise.all(pending);
  return { count: options.count, bad, bytes };
}
