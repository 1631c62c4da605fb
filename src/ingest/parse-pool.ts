// Parse threads. Parsing is most of an import's CPU, and on one thread it kept the worker's main thread
// (which also reads the files, speaks to PostgreSQL and runs the Temporal SDK) busy while a second core
// sat half idle. A pool of worker_threads parses each batch's unknown documents instead; the main thread
// sends their bytes in one transferred buffer and gets back only what the writes need (parse-document.ts).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedForImport, ParseDocuments, ParseRequest } from './parse-document.js';
import type { ParseMessage, ParseReply } from './parse-thread.js';

export type ParsePool = { parse: ParseDocuments; close: () => Promise<void> };

type Pending = { docs: number; resolve: (results: ParsedForImport[]) => void; reject: (error: Error) => void };
type Thread = { worker: Worker; pending: Map<number, Pending>; docs: number };

/** tsx's ESM register API as a URL (require.resolve would name its CommonJS build, which fails in a thread). */
function tsxEsmApi(from: string): string {
  const manifest = createRequire(from).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const target = pkg.exports['./esm/api']?.import.default;
  if (!target) throw new Error(`tsx at ${dirname(manifest)} has no ESM register API`);
  return pathToFileURL(join(dirname(manifest), target)).href;
}

/**
 * The thread's entry. From source (tsx, vitest) the thread has no TypeScript loader of its own, so a
 * small script registers tsx first; built JavaScript is started directly.
 */
function startThread(given?: URL): Worker {
  const here = import.meta.url;
  const entry = given ?? new URL(`./parse-thread${extname(fileURLToPath(here))}`, here);
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry);
  const tsx = tsxEsmApi(here);
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true });
}

/** `entry`: another thread script speaking parse-thread.ts's messages (tests use one that dies). */
export function createParsePool(size: number, options: { entry?: URL } = {}): ParsePool {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`a parse pool needs at least one thread, got ${size}`);
  const threads: Array<Thread | undefined> = new Array<Thread | undefined>(size).fill(undefined);
  let nextId = 1;
  let closed = false;

  const spawn = (slot: number): Thread => {
    const thread: Thread = { worker: startThread(options.entry), pending: new Map(), docs: 0 };
    const fail = (error: Error) => {
      if (threads[slot] === thread) threads[slot] = undefined;
      for (const job of thread.pending.values()) job.reject(error);
      thread.pending.clear();
    };
    thread.worker.on('message', (reply: ParseReply) => {
      const job = thread.pending.get(reply.id);
      if (!job) return;
      thread.pending.delete(reply.id);
      thread.docs -= job.docs;
      if (thread.pending.size === 0) thread.worker.unref();
      if ('error' in reply) job.reject(new Error(`a parse thread failed: ${reply.error}`));
      else job.resolve(reply.results);
    });
    thread.worker.on('error', (error) => fail(new Error(`a parse thread crashed: ${error.message}`)));
    thread.worker.on('exit', (code) => fail(new Error(`a parse thread exited (code ${code}) with documents unparsed`)));
    // An idle pool must not keep a process alive; a thread is ref'd while it has work. After the
    // listeners: adding a 'message' listener refs the thread again.
    thread.worker.unref();
    threads[slot] = thread;
    return thread;
  };

  /** The thread with the fewest documents waiting; a dead one is replaced. */
  const pick = (): Thread => {
    let best: Thread | undefined;
    for (let slot = 0; slot < size; slot++) {
      const thread = threads[slot] ?? spawn(slot);
      if (!best || thread.docs < best.docs) best = thread;
    }
    if (!best) throw new Error('a parse pool with no threads');
    return best;
  };

  const parse: ParseDocuments = (docs: readonly ParseRequest[], maxBytes: number) => {
    if (closed) return Promise.reject(new Error('the parse pool is closed'));
    if (docs.length === 0) return Promise.resolve([]);
    const lengths = docs.map((doc) => doc.bytes.byteLength);
    const packed = Buffer.concat(docs.map((doc) => doc.bytes));
    // Buffer.concat of small inputs may hand out a slice of the shared pool: only a buffer of its own is transferred.
    const buffer =
      packed.byteOffset === 0 && packed.buffer.byteLength === packed.byteLength
        ? packed.buffer
        : packed.buffer.slice(packed.byteOffset, packed.byteOffset + packed.byteLength);
    const message: ParseMessage = { id: nextId++, maxBytes, formats: docs.map((doc) => doc.format), lengths, buffer };
    const thread = pick();
    return new Promise<ParsedForImport[]>((resolve, reject) => {
      thread.pending.set(message.id, { docs: docs.length, resolve, reject });
      thread.docs += docs.length;
      thread.worker.ref();
      thread.worker.postMessage(message, [buffer]);
    });
  };

  const close = async () => {
    closed = true;
    const running = threads.filter((t): t is Thread => t !== undefined);
    threads.fill(undefined);
    await Promise.all(running.map((t) => t.worker.terminate()));
  };

  return { parse, close };
}
