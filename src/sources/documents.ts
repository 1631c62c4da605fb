// Reading article documents from disk: files and directory trees of .txt exports, .json articles and
// .ndjson article streams. Size limits are enforced before reading, so an oversize or endless file
// never lands in memory.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  DEFAULT_MAX_DOCUMENT_BYTES, oversizeError, parseCanonicalJson, parseCanonicalNdjson, parseExport,
} from '../domain/article/index.js';
import type { ParseResult } from '../domain/article/index.js';
import { ErrorType } from '../domain/errors.js';

/**
 * `raw` is the document's own bytes (the file, or its line), absent when they were never kept
 * (oversize, unreadable). An oversize .ndjson line carries `unkept`: its size and a hash streamed
 * over its bytes, so its quarantine entry still identifies it.
 */
export type DocumentResult = { file: string; line?: number; result: ParseResult; raw?: Uint8Array; unkept?: { size: number; sha256: string } };
export type LineOrWhole = { line?: number; result: ParseResult };
export type ReadOptions = { maxBytes?: number };

/** Extensions a directory walk picks up; a file named explicitly is read whatever its name. */
export const DOCUMENT_EXTENSIONS: ReadonlySet<string> = new Set(['.txt', '.json', '.ndjson']);

/** A source path that does not exist: bad input, so never worth a retry. */
export class SourceNotFoundError extends Error {
  readonly type = ErrorType.SourceNotFound;
  constructor(readonly path: string) {
    super(`no such file or directory: ${path}`);
    this.name = 'SourceNotFoundError';
  }
}

function failed(message: string): ParseResult {
  return { ok: false, errors: [{ field: 'document', message }] };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Picks the format by extension: `.json` one article, `.ndjson` one per line, anything else an export. */
export function parseDocumentBytes(file: string, bytes: Uint8Array, options: ReadOptions = {}): LineOrWhole[] {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const extension = extname(file).toLowerCase();
  if (extension === '.json') return [{ result: parseCanonicalJson(bytes, { maxBytes }) }];
  if (extension === '.ndjson') {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return [{ result: failed('expected UTF-8 text, got bytes that are not valid UTF-8') }];
    }
    return parseCanonicalNdjson(text, { maxBytes });
  }
  return [{ result: parseExport(bytes, { maxBytes }) }];
}

/** Reads at most `limit` bytes; returns null when the file holds more (it grew after the stat). */
async function readCapped(handle: FileHandle, expected: number, limit: number): Promise<Uint8Array | null> {
  let buffer = Buffer.allocUnsafe(Math.min(expected, limit) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > limit) return null;
      const bigger = Buffer.allocUnsafe(Math.min(buffer.length * 2, limit + 1));
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return length > limit ? null : buffer.subarray(0, length);
}

/** One .ndjson line at a time, each held to the size limit on its own. */
async function* readNdjson(file: string, maxBytes: number): AsyncGenerator<DocumentResult> {
  let parts: Buffer[] = [];
  let size = 0;
  let oversize = 0;
  let overHash: Hash | undefined;
  let line = 0;
  const finish = (): DocumentResult | null => {
    line++;
    if (overHash) {
      const result = failed(oversizeError(oversize, maxBytes).message.replace('the document', `line ${line}`));
      const unkept = { size: oversize, sha256: overHash.digest('hex') };
      oversize = 0;
      overHash = undefined;
      return { file, line, result, unkept };
    }
    const raw = Buffer.concat(parts, size);
    const result = lineResult(raw, maxBytes);
    parts = [];
    size = 0;
    return result === null ? null : { file, line, result, raw };
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      take(chunk.subarray(start, newline));
      const done = finish();
      if (done) yield done;
      start = newline + 1;
    }
    take(chunk.subarray(start));
  }
  if (size > 0 || overHash) {
    const done = finish();
    if (done) yield done;
  }

  function take(piece: Buffer): void {
    if (piece.length === 0) return;
    if (overHash || size + piece.length > maxBytes) {
      // Past the limit the bytes are only counted and hashed, never kept.
      if (!overHash) {
        overHash = createHash('sha256');
        for (const part of parts) overHash.update(part);
        oversize = size;
        parts = [];
        size = 0;
      }
      overHash.update(piece);
      oversize += piece.length;
      return;
    }
    parts.push(piece);
    size += piece.length;
  }
}

function lineResult(bytes: Buffer, maxBytes: number): ParseResult | null {
  let blank = true;
  for (const byte of bytes) {
    if (byte !== 32 && byte !== 9 && byte !== 13) {
      blank = false;
      break;
    }
  }
  return blank ? null : parseCanonicalJson(bytes, { maxBytes });
}

/**
 * The documents in one file. Exports and .json articles are refused unread when the file is over the
 * limit; .ndjson files are streamed and the limit applies to each line.
 */
export async function* readDocumentFile(file: string, options: ReadOptions = {}): AsyncGenerator<DocumentResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (extname(file).toLowerCase() === '.ndjson') {
    try {
      yield* readNdjson(file, maxBytes);
    } catch (error) {
      yield { file, result: failed(`cannot read the file: ${reason(error)}`) };
    }
    return;
  }
  let handle: FileHandle | undefined;
  let bytes: Uint8Array | null;
  try {
    const info = await stat(file);
    if (info.size > maxBytes) {
      yield { file, result: { ok: false, errors: [oversizeError(info.size, maxBytes)] } };
      return;
    }
    handle = await open(file, 'r');
    bytes = await readCapped(handle, info.size, maxBytes);
  } catch (error) {
    yield { file, result: failed(`cannot read the file: ${reason(error)}`) };
    return;
  } finally {
    await handle?.close();
  }
  if (bytes === null) {
    yield { file, result: failed(`the file grew past the limit of ${maxBytes} bytes while it was read`) };
    return;
  }
  for (const { line, result } of parseDocumentBytes(file, bytes, { maxBytes })) {
    yield line === undefined ? { file, result, raw: bytes } : { file, line, result, raw: bytes };
  }
}

/** Files under `dir` with a document extension, depth first, names in code-unit order. */
export async function* walkDocumentFiles(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    // Symlinked directories are not followed: a link cycle would walk forever.
    if (entry.isDirectory()) yield* walkDocumentFiles(path);
    else if ((entry.isFile() || entry.isSymbolicLink()) && DOCUMENT_EXTENSIONS.has(extname(entry.name).toLowerCase())) yield path;
  }
}

/**
 * The files of a source: each path is a file (taken whatever its extension) or a directory tree
 * (walked). A missing path throws SourceNotFoundError, since a typo must not look like an empty source.
 */
export async function* sourceFiles(paths: readonly string[]): AsyncGenerator<string> {
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new SourceNotFoundError(path);
    }
    if (info.isDirectory()) yield* walkDocumentFiles(path);
    else yield path;
  }
}

/** Every document under a path (a file or a directory tree), in sorted order. */
export async function* readDocuments(path: string, options: ReadOptions = {}): AsyncGenerator<DocumentResult> {
  for await (const file of sourceFiles([path])) yield* readDocumentFile(file, options);
}
