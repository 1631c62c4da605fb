import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { synthesizeDocument, type SynthDocument } from '../../src/domain/article/index.js';

export type Corpus = { dir: string; docs: SynthDocument[]; good: SynthDocument[]; bad: SynthDocument[] };

/** Writes documents [from, from+count) of a synthetic corpus to dir; returns what each should become. */
export function writeCorpus(dir: string, options: { seed: number; count: number; from?: number; badRatio?: number }): Corpus {
  mkdirSync(dir, { recursive: true });
  const docs: SynthDocument[] = [];
  const from = options.from ?? 0;
  for (let index = from; index < from + options.count; index++) {
    const doc = synthesizeDocument(options.seed, index, { badRatio: options.badRatio ?? 0 });
    writeFileSync(join(dir, doc.fileName), doc.content);
    docs.push(doc);
  }
  return { dir, docs, good: docs.filter((d) => d.expectBad === null), bad: docs.filter((d) => d.expectBad !== null) };
}

/** Overwrites one document with another edition of it (variant > 0), or its clean form (fixing a bad one). */
export function rewrite(dir: string, seed: number, index: number, variant: number): SynthDocument {
  const doc = synthesizeDocument(seed, index, { variant });
  writeFileSync(join(dir, doc.fileName), doc.content);
  return doc;
}
