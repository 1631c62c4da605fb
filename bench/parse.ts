// bench:parse: throughput of the export parser on 10,000 synthetic exports, in memory, against the
// floor of decoding the same bytes and splitting them into lines. Goals: >= 25 MB/s on one core and
// parse <= 10x read-and-split.
import { parseExport, synthesizeDocuments } from '../src/domain/article/index.js';

const COUNT = Number(process.env.BENCH_PARSE_COUNT ?? 10_000);
const ROUNDS = 3;
const encoder = new TextEncoder();

const docs: Uint8Array[] = [];
let bytes = 0;
const synthStart = performance.now();
for (const doc of synthesizeDocuments(42, COUNT)) {
  const data = typeof doc.content === 'string' ? encoder.encode(doc.content) : doc.content;
  docs.push(data);
  bytes += data.byteLength;
}
const synthMs = performance.now() - synthStart;
const mb = bytes / (1024 * 1024);

function readAndSplit(): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lines = 0;
  for (const data of docs) lines += decoder.decode(data).split('\n').length;
  return lines;
}

function parseAll(): number {
  let accepted = 0;
  for (const data of docs) if (parseExport(data).ok) accepted++;
  return accepted;
}

/** Best of several rounds after a warm-up: the steady state, not the JIT's first impressions. */
function best(fn: () => number): { ms: number; value: number } {
  let value = fn();
  let ms = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    value = fn();
    ms = Math.min(ms, performance.now() - start);
  }
  return { ms, value };
}

const split = best(readAndSplit);
const parsed = best(parseAll);
if (parsed.value !== COUNT) throw new Error(`expected all ${COUNT} synthetic exports to parse, ${parsed.value} did`);

const rate = (ms: number) => `${(mb / (ms / 1000)).toFixed(1)} MB/s, ${Math.round(COUNT / (ms / 1000)).toLocaleString('en-US')} docs/s`;
console.log(`synthesized ${COUNT} exports, ${mb.toFixed(1)} MB, in ${(synthMs / 1000).toFixed(2)} s`);
console.log(`read+split: ${split.ms.toFixed(0)} ms  (${rate(split.ms)}, ${split.value} lines)`);
console.log(`parse:      ${parsed.ms.toFixed(0)} ms  (${rate(parsed.ms)})`);
const ratio = parsed.ms / split.ms;
const throughput = mb / (parsed.ms / 1000);
console.log(`parse / read+split: ${ratio.toFixed(1)}x`);
console.log(`goals: >= 25 MB/s ${throughput >= 25 ? 'met' : 'MISSED'}; <= 10x read+split ${ratio <= 10 ? 'met' : 'MISSED'}`);
