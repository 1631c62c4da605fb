// A parse thread's body (see parse-pool.ts): parses the documents of each message and posts back what
// their writes need. It holds no state between messages, so a thread that dies loses only its batch.
import { parentPort } from 'node:worker_threads';
import type { DocumentFormat } from '../domain/article/index.js';
import { parseForImport, type ParsedForImport } from './parse-document.js';

/** One batch's documents, packed into one transferred buffer: `lengths[i]` bytes each, in order. */
export type ParseMessage = { id: number; maxBytes: number; formats: DocumentFormat[]; lengths: number[]; buffer: ArrayBuffer };
export type ParseReply = { id: number; results: ParsedForImport[] } | { id: number; error: string };

function parseMessage(message: ParseMessage): ParsedForImport[] {
  const results: ParsedForImport[] = [];
  let offset = 0;
  for (const [i, length] of message.lengths.entries()) {
    const bytes = new Uint8Array(message.buffer, offset, length);
    offset += length;
    results.push(parseForImport({ format: message.formats[i] ?? 'export', bytes }, message.maxBytes));
  }
  return results;
}

parentPort?.on('message', (message: ParseMessage) => {
  let reply: ParseReply;
  try {
    reply = { id: message.id, results: parseMessage(message) };
  } catch (error) {
    // The parser never throws on any input: this is a defect or a lack of memory, for the batch to retry.
    reply = { id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  parentPort?.postMessage(reply);
});
