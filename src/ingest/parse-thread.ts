// A parse thread's body (see parse-pool.ts): parses the documents of each message and posts back what
// their writes need. It holds no state between messages, so a thread that dies loses only its batch.
import { parentPort } from 'node:worker_threads';
import type { DocumentFormat } from '../domain/article/index.js';
import { sha256 } from '../sources/documents.js';
import { serialiseForImport, type ParsedForImport } from './parse-document.js';
import { Utf8Pack, type PackedRange } from './utf8-pack.js';

/** One batch's documents, packed into one transferred buffer: `lengths[i]` bytes each, in order. */
export type ParseMessage = { id: number; maxBytes: number; formats: DocumentFormat[]; lengths: number[]; buffer: ArrayBuffer };
/** The results in order; accepted documents' JSON are views into one buffer, transferred with the reply. */
export type ParseReply = { id: number; results: ParsedForImport[] } | { id: number; error: string };

type Accepted = Extract<ParsedForImport, { ok: true }>;
type Pending = (Omit<Accepted, 'content'> & { json: PackedRange; title: string; needsHumanReview: boolean }) | Extract<ParsedForImport, { ok: false }>;

function parseMessage(message: ParseMessage): { results: ParsedForImport[]; json: ArrayBuffer } {
  // Stable JSON runs a little longer than the exports it comes from; the pack grows if that guess is short.
  const pack = new Utf8Pack(message.buffer.byteLength * 1.25);
  const pending: Pending[] = [];
  let offset = 0;
  for (const [i, length] of message.lengths.entries()) {
    const bytes = new Uint8Array(message.buffer, offset, length);
    offset += length;
    const result = serialiseForImport({ format: message.formats[i] ?? 'export', bytes }, message.maxBytes);
    if (!result.ok) {
      pending.push(result);
      continue;
    }
    const json = pack.add(result.canonical);
    const { sourceId, title, needsHumanReview } = result;
    pending.push({ ok: true, sourceId, contentHash: sha256(pack.view(json)), json, title, needsHumanReview });
  }
  const json = pack.finish();
  const results = pending.map((p): ParsedForImport => {
    if (!p.ok) return p;
    const content = { json: new Uint8Array(json, p.json.offset, p.json.length), title: p.title, needsHumanReview: p.needsHumanReview };
    return { ok: true, sourceId: p.sourceId, contentHash: p.contentHash, content };
  });
  return { results, json };
}

parentPort?.on('message', (message: ParseMessage) => {
  let reply: ParseReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const parsed = parseMessage(message);
    reply = { id: message.id, results: parsed.results };
    transfer = [parsed.json];
  } catch (error) {
    // The parser never throws on any input: this is a defect or a lack of memory, for the batch to retry.
    reply = { id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  parentPort?.postMessage(reply, transfer);
});
