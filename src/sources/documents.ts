// Reading article documents from disk: files and directory trees of .txt exports, .json articles and
// .ndjson article streams. A source is hostile until proven otherwise: only regular files are read,
// opened non-blocking (a FIFO never stalls the open), never past the size limit, never outside the
// source's root (a symlink to /etc/shadow is refused unread), and every long read reports progress
// and stops when its signal aborts.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { DEFAULT_MAX_DOCUMENT_BYTES, oversizeError, parseCanonicalJson, parseCanonicalNdjson, parseExport } from '../domain/article/index.js';
import type { DocumentFormat, ParseResult } from '../domain/article/index.js';
import { ErrorType, PressroomError } from '../domain/errors.js';
import { sortedEntries, type DirEntry } from './sorted-dir.js';

/**
 * `raw` is the document's own bytes (the file, or its line), absent when they were never kept
 * (oversize, unreadable). `unkept` then identifies the document for its quarantine entry: the size and
 * a hash streamed over its bytes, or (never read) size 0 and a hash of why and where.
 */
export type DocumentResult = { file: string; line?: number; result: ParseResult; raw?: Uint8Array; unkept?: { size: number; sha256: string } };
export type LineOrWhole = { line?: number; result: ParseResult };
export type ReadOptions = {
  maxBytes?: number;
  /**
   * The source's root (a realpath). A document whose realpath lies outside it (a symlink out of the
   * source) is refused unread. Unset for a file named on its own: the caller chose that file.
   */
  root?: string;
  /** Stream-hash an oversize file so its quarantine entry identifies it (the import); `parse` skips it. */
  identifyOversize?: boolean;
  /** The caller already found the document too large for readRawDocument: go straight to the streaming path. */
  streamOnly?: boolean;
  /** Aborting stops a read between chunks with the signal's reason. */
  signal?: AbortSignal;
  /** Called after each chunk with the bytes read so far, so a long read can heartbeat. */
  onProgress?: (bytesRead: number) => void;
};
/** One non-blank line of an .ndjson file: where its bytes are, without the bytes. */
export type LineRange = { line: number; offset: number; length: number };

/**
 * A place in a source: `path` as listed (under the path given), `real` its resolved path (the key
 * that de-duplicates and names it in the manifest), `root` the source root it must stay inside.
 * `problem` is set when the entry can never be read (an unrepresentable name, an unlistable directory).
 */
export type SourceEntry = { path: string; real: string; root: string; problem?: string };

/** Extensions a directory walk picks up; a file named explicitly is read whatever its name. */
export const DOCUMENT_EXTENSIONS: ReadonlySet<string> = new Set(['.txt', '.json', '.ndjson']);

/**
 * File-system errors that are the document's fault: retrying will not bring the file back or make it
 * readable. Anything else (EIO, EMFILE, ENOMEM) may pass, so it propagates and the batch is retried.
 */
export const DOCUMENT_FS_ERRORS: ReadonlySet<string> = new Set([
  'ENOENT',
  'EISDIR',
  'EACCES',
  'EPERM',
  'ENOTDIR',
  'ELOOP',
  'ENAMETOOLONG',
  'ENXIO',
  'ENODEV',
  'EFBIG',
]);

/**
 * File-system errors that say nothing about the document: too many open files, an I/O hiccup, a busy
 * or slow mount. They are typed SourceUnavailable and retried with the batch's backoff, not the few
 * attempts an unexpected error gets.
 */
export const TRANSIENT_FS_ERRORS: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE', 'EIO', 'EAGAIN', 'EBUSY', 'EINTR', 'ETIMEDOUT', 'ESTALE']);

export function isTransientFsError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && TRANSIENT_FS_ERRORS.has(code);
}

const CHUNK = 64 * 1024;
const HASH_CHUNK = 1024 * 1024;

export function isDocumentFsError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && DOCUMENT_FS_ERRORS.has(code);
}

/** A source path that does not exist: bad input, so never worth a retry. */
export class SourceNotFoundError extends PressroomError {
  constructor(
    readonly path: string,
    code = 'ENOENT',
  ) {
    super(
      ErrorType.SourceNotFound,
      code === 'ENOENT' ? `no such file or directory: ${path}` : `cannot read the source ${path} (${code}): expected a readable file or directory`,
    );
  }
}

/** A listed document that is not one (not a regular file, outside the source): rejected, never read. */
export class NotADocumentError extends PressroomError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(ErrorType.InvalidArticle, message);
  }
}

function failed(message: string): ParseResult {
  return { ok: false, errors: [{ field: 'document', message }] };
}

/** Hex sha256: how a rejected document is identified in quarantine. */
export const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

function isInside(real: string, root: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The realpath must stay inside the root: a link may change after listing, so this runs at read time. */
function checkInside(file: string, real: string, root: string | undefined): void {
  if (root !== undefined && !isInside(real, root)) {
    throw new NotADocumentError(
      file,
      `${file} leads outside the source ${root} (through a symbolic link): only links that stay inside the source are followed, and nothing was read`,
    );
  }
}

function checkRegular(file: string, info: Stats): void {
  if (!info.isFile()) throw new NotADocumentError(file, `${file} is ${kindOf(info)}: only regular files are documents, and nothing was read`);
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;

/**
 * Opens a document for reading, or throws NotADocumentError / a document-fault errno error. The
 * realpath is checked against the root at read time, since a link may change after listing; the
 * resolved path is then opened without following a last link, non-blocking, and the handle itself
 * must be a regular file (what was checked is what is read).
 */
async function openDocument(file: string, root: string | undefined): Promise<{ handle: FileHandle; size: number }> {
  const real = await realpath(file);
  checkInside(file, real, root);
  checkRegular(file, await stat(real));
  const handle = await open(real, OPEN_FLAGS);
  try {
    const opened = await handle.stat();
    checkRegular(file, opened);
    return { handle, size: opened.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Documents up to this size are opened, checked and read with synchronous calls: the same checks as
 * openDocument, but six thread-pool round trips per file cost a busy worker more CPU than the reading
 * itself (they were a fifth of an import's worker CPU). A read this small blocks the event loop for
 * microseconds; larger documents and oversize ones take the streaming path.
 */
const SYNC_READ_LIMIT = 1024 * 1024;

/**
 * `length` bytes at `position` of a document, read synchronously after openDocument's checks (one byte
 * more than asked tells a file still being written); undefined when the file is larger than `limit`.
 */
function readSmallSync(
  file: string,
  root: string | undefined,
  limit: number,
  range?: { position: number; length: number },
): { bytes: Buffer; size: number } | undefined {
  const real = realpathSync.native(file);
  checkInside(file, real, root);
  checkRegular(file, statSync(real));
  const fd = openSync(real, OPEN_FLAGS);
  try {
    const opened = fstatSync(fd);
    checkRegular(file, opened);
    const position = range?.position ?? 0;
    const wanted = range?.length ?? opened.size + 1;
    if (wanted > limit) return undefined;
    const buffer = Buffer.allocUnsafe(wanted);
    let filled = 0;
    while (filled < wanted) {
      const bytesRead = readSync(fd, buffer, filled, wanted - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { bytes: buffer.subarray(0, filled), size: opened.size };
  } finally {
    closeSync(fd);
  }
}

/** readSmallSync, or why the document is refused (a document-fault error); any other error is thrown. */
function readSmallOrRefuse(
  file: string,
  root: string | undefined,
  limit: number,
  line?: number,
  range?: { position: number; length: number },
): { bytes: Buffer; size: number } | { refused: DocumentResult } | undefined {
  try {
    return readSmallSync(file, root, limit, range);
  } catch (error) {
    const refused = refusal(file, error, line);
    if (!refused) throw error;
    return { refused };
  }
}

/** The rejection for a document that could not be opened, or undefined when the error is not its fault. */
function refusal(file: string, error: unknown, line?: number): DocumentResult | undefined {
  const where = line === undefined ? {} : { line };
  if (error instanceof NotADocumentError)
    return { file, ...where, result: failed(error.message), unkept: { size: 0, sha256: sha256(`refused:${error.message}`) } };
  if (isDocumentFsError(error)) {
    const code = error.code ?? 'unreadable';
    const message = `the file was listed but cannot be read now (${code}): expected a readable regular file`;
    return { file, ...where, result: failed(message), unkept: { size: 0, sha256: sha256(`${code}:${file}`) } };
  }
  return undefined;
}

/** Opens a document, or says why it is refused (a document-fault error); any other error is thrown. */
async function openOrRefuse(
  file: string,
  root: string | undefined,
  line?: number,
): Promise<{ handle: FileHandle; size: number } | { refused: DocumentResult }> {
  try {
    return await openDocument(file, root);
  } catch (error) {
    const refused = refusal(file, error, line);
    if (!refused) throw error;
    return { refused };
  }
}

/** Reads up to `length` bytes at `position`, stopping early at end of file; aborts between reads. */
async function readAt(handle: FileHandle, position: number, length: number, options: ReadOptions, done = 0): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    options.signal?.throwIfAborted();
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
    options.onProgress?.(done + filled);
  }
  return buffer.subarray(0, filled);
}

/** Size and sha256 of `length` bytes at `position`, streamed in chunks: never held whole. */
async function hashRange(handle: FileHandle, position: number, length: number, options: ReadOptions): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  while (size < length) {
    const chunk = await readAt(handle, position + size, Math.min(HASH_CHUNK, length - size), { signal: options.signal }, size);
    if (chunk.length === 0) break;
    hash.update(chunk);
    size += chunk.length;
    options.onProgress?.(size);
  }
  return { size, sha256: hash.digest('hex') };
}

/** The file's chunks, up to the size it had when opened: a file that keeps growing still ends. */
async function* chunksOf(handle: FileHandle, size: number, options: ReadOptions): AsyncGenerator<Buffer> {
  let position = 0;
  while (position < size) {
    const chunk = await readAt(handle, position, Math.min(CHUNK, size - position), { signal: options.signal });
    if (chunk.length === 0) return;
    position += chunk.length;
    options.onProgress?.(position);
    yield chunk;
  }
}

const isBlankByte = (byte: number) => byte === 32 || byte === 9 || byte === 13;

/** Picks the format by extension: `.json` one article, `.ndjson` one per line, anything else an export. */
export function parseDocumentBytes(file: string, bytes: Uint8Array, options: { maxBytes?: number } = {}): LineOrWhole[] {
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

function oversizeLine(line: number, size: number, maxBytes: number): ParseResult {
  return failed(oversizeError(size, maxBytes).message.replace('the document', `line ${line}`));
}

/**
 * The non-blank lines of an open .ndjson file as byte ranges, streamed: only the current chunk is
 * held, however long the file or its lines.
 */
async function* lineRanges(handle: FileHandle, size: number, options: ReadOptions): AsyncGenerator<LineRange> {
  let line = 1;
  let start = 0;
  let blank = true;
  let position = 0;
  for await (const chunk of chunksOf(handle, size, options)) {
    let i = 0;
    while (i <= chunk.length) {
      const newline = chunk.indexOf(10, i);
      const end = newline === -1 ? chunk.length : newline;
      for (let j = i; blank && j < end; j++) if (!isBlankByte(chunk[j]!)) blank = false;
      if (newline === -1) break;
      if (!blank) yield { line, offset: start, length: position + newline - start };
      line++;
      start = position + newline + 1;
      blank = true;
      i = newline + 1;
    }
    position += chunk.length;
  }
  if (!blank) yield { line, offset: start, length: position - start };
}

/**
 * The line ranges of an .ndjson document (the import lists one manifest item per line). A file that
 * cannot be opened throws NotADocumentError or its errno error; see isDocumentFsError.
 */
export async function* ndjsonLineRanges(file: string, options: ReadOptions = {}): AsyncGenerator<LineRange> {
  const { handle, size } = await openDocument(file, options.root);
  try {
    yield* lineRanges(handle, size, options);
  } finally {
    await handle.close();
  }
}

/** Whole .ndjson file, one line at a time (`pressroom parse`); each line held to the limit on its own. */
async function* readNdjson(file: string, options: ReadOptions): AsyncGenerator<DocumentResult> {
  const opened = await openOrRefuse(file, options.root);
  if ('refused' in opened) {
    yield opened.refused;
    return;
  }
  const { handle, size } = opened;
  try {
    for await (const range of lineRanges(handle, size, { ...(options.signal ? { signal: options.signal } : {}) }))
      yield await readLine(handle, file, range, options);
  } finally {
    await handle.close();
  }
}

function changedLine(file: string, { line, offset, length }: LineRange): DocumentResult {
  return {
    file,
    line,
    result: failed(`line ${line} changed since the source was listed (expected ${length} bytes at byte ${offset}): import the source again`),
    unkept: { size: 0, sha256: sha256(`changed:${file}:${line}:${offset}:${length}`) },
  };
}

/** One line by its byte range; over the limit it is only counted and hashed, never kept. */
async function readLine(handle: FileHandle, file: string, { line, offset, length }: LineRange, options: ReadOptions): Promise<DocumentResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const changed = () => changedLine(file, { line, offset, length });
  if (length > maxBytes) {
    const unkept = await hashRange(handle, offset, length, options);
    if (unkept.size !== length) return changed();
    return { file, line, result: oversizeLine(line, length, maxBytes), unkept };
  }
  return lineResult(file, { line, offset, length }, await readAt(handle, offset, length, options), maxBytes);
}

function lineResult(file: string, { line, offset, length }: LineRange, raw: Buffer, maxBytes: number): DocumentResult {
  if (raw.length !== length || raw.includes(10)) return changedLine(file, { line, offset, length });
  return { file, line, result: parseCanonicalJson(raw, { maxBytes }), raw };
}

/**
 * One listed .ndjson line (the import's manifest item). The file is opened and checked as any
 * document is, then only this line's bytes are read.
 */
export async function readDocumentLine(file: string, range: LineRange, options: ReadOptions = {}): Promise<DocumentResult> {
  const small = options.streamOnly ? undefined : readSmallDocument(file, options, range);
  if (small) return small[0]!;
  const opened = await openOrRefuse(file, options.root, range.line);
  if ('refused' in opened) return opened.refused;
  try {
    return await readLine(opened.handle, file, range, options);
  } finally {
    await opened.handle.close();
  }
}

/** A whole file's bytes (one more than fstat said, to tell a growing file), or, over the limit, only its identity. */
async function readWhole(
  file: string,
  maxBytes: number,
  options: ReadOptions,
): Promise<{ bytes: Buffer | undefined; size: number; unkept?: { size: number; sha256: string } } | { refused: DocumentResult }> {
  const opened = await openOrRefuse(file, options.root);
  if ('refused' in opened) return opened;
  const { handle, size } = opened;
  try {
    if (size <= maxBytes) return { bytes: await readAt(handle, 0, size + 1, options), size };
    return { bytes: undefined, size, ...(options.identifyOversize ? { unkept: await hashRange(handle, 0, size, options) } : {}) };
  } finally {
    await handle.close();
  }
}

/**
 * The documents in one file. Exports and .json articles are refused unread when the file is over the
 * limit; .ndjson files are streamed and the limit applies to each line. A document-fault error
 * (missing, not a regular file, outside the root) is a rejection; any other error is thrown.
 */
export async function* readDocumentFile(file: string, options: ReadOptions = {}): AsyncGenerator<DocumentResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (extname(file).toLowerCase() === '.ndjson') {
    yield* readNdjson(file, options);
    return;
  }
  const small = options.streamOnly ? undefined : readSmallDocument(file, options);
  if (small) {
    yield* small;
    return;
  }
  const whole = await readWhole(file, maxBytes, options);
  if ('refused' in whole) {
    yield whole.refused;
    return;
  }
  const { bytes, size, unkept } = whole;
  if (bytes === undefined) {
    yield { file, result: { ok: false, errors: [oversizeError(size, maxBytes)] }, ...(unkept ? { unkept } : {}) };
    return;
  }
  yield* wholeResults(file, bytes, size, maxBytes);
}

function grewWhileRead(file: string, size: number): DocumentResult {
  return {
    file,
    result: failed(`the file grew while it was read (it had ${size} bytes when opened): import it again once it is complete`),
    unkept: { size: 0, sha256: sha256(`grew:${file}`) },
  };
}

/** The documents in a whole file's bytes (one more than its size when it grew while read). */
function wholeResults(file: string, bytes: Buffer, size: number, maxBytes: number): DocumentResult[] {
  if (bytes.length > size) return [grewWhileRead(file, size)];
  return parseDocumentBytes(file, bytes, { maxBytes }).map(({ line, result }) =>
    line === undefined ? { file, result, raw: bytes } : { file, line, result, raw: bytes },
  );
}

/** A small document's bytes, read but not parsed, and how they parse (see parseRawDocument). */
export type RawDocument = { file: string; line?: number; format: DocumentFormat; bytes: Buffer };

const formatOf = (file: string): DocumentFormat => (extname(file).toLowerCase() === '.json' ? 'json' : 'export');

/**
 * A small document (a file, or one .ndjson line by its range) read with synchronous calls, not yet
 * parsed: its bytes, or its result when there is nothing to parse (refused, changed since listed,
 * grown while read). Undefined when it needs the streaming path: larger than SYNC_READ_LIMIT, over
 * the limit (only hashed), or a whole .ndjson file. The import reads a batch this way, looks its
 * documents' digests up, and parses only those it does not know.
 */
export function readRawDocument(file: string, options: Pick<ReadOptions, 'maxBytes' | 'root'>, range?: LineRange): RawDocument | DocumentResult | undefined {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (range) {
    if (range.length > maxBytes) return undefined;
    const small = readSmallOrRefuse(file, options.root, SYNC_READ_LIMIT, range.line, { position: range.offset, length: range.length });
    if (!small) return undefined;
    if ('refused' in small) return small.refused;
    const { bytes } = small;
    if (bytes.length !== range.length || bytes.includes(10)) return changedLine(file, range);
    return { file, line: range.line, format: 'json', bytes };
  }
  if (extname(file).toLowerCase() === '.ndjson') return undefined;
  const small = readSmallOrRefuse(file, options.root, Math.min(SYNC_READ_LIMIT, maxBytes + 1));
  if (!small) return undefined;
  if ('refused' in small) return small.refused;
  if (small.bytes.length > small.size) return grewWhileRead(file, small.size);
  return { file, format: formatOf(file), bytes: small.bytes };
}

/** Parses what readRawDocument read. */
export function parseRawDocument(raw: RawDocument, options: { maxBytes?: number } = {}): DocumentResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const result = raw.format === 'json' ? parseCanonicalJson(raw.bytes, { maxBytes }) : parseExport(raw.bytes, { maxBytes });
  return raw.line === undefined ? { file: raw.file, result, raw: raw.bytes } : { file: raw.file, line: raw.line, result, raw: raw.bytes };
}

/** A small document read with synchronous calls and parsed; undefined when it needs the streaming path. */
function readSmallDocument(file: string, options: Pick<ReadOptions, 'maxBytes' | 'root'>, range?: LineRange): DocumentResult[] | undefined {
  const raw = readRawDocument(file, options, range);
  if (raw === undefined) return undefined;
  return ['bytes' in raw ? parseRawDocument(raw, options) : raw];
}

/**
 * Decodes names: one decoder for every entry (a new one per entry was a few microseconds each), and
 * `ignoreBOM` keeps a leading byte order mark, which is part of the name (dropped, it named a file
 * that does not exist).
 */
const NAME_DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A name as UTF-8 text, or null when its bytes are not UTF-8 (such a name cannot be stored or shown). */
function utf8Name(name: Buffer): string | null {
  try {
    return NAME_DECODER.decode(name);
  } catch {
    return null;
  }
}

/** A lossy, printable form of a name that is not UTF-8: bytes outside printable ASCII as %XX. */
export function lossyName(name: Buffer): string {
  let out = '';
  for (const byte of name)
    out += byte < 0x20 || byte >= 0x7f || byte === 0x25 ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
  return out;
}

/**
 * Entries under `dir` with a document extension, depth first, names in byte order. Names are read as
 * bytes, so a name that is not UTF-8 becomes a problem entry instead of a misleading ENOENT later. A
 * directory is read in sorted runs (sorted-dir.ts), so a million files in one never sit in memory.
 */
async function* walk(dir: string, realDir: string, root: string, signal: AbortSignal | undefined): AsyncGenerator<SourceEntry> {
  signal?.throwIfAborted();
  const entries = sortedEntries(dir, signal ? { signal } : {});
  let first: IteratorResult<DirEntry>;
  try {
    first = await entries.next();
  } catch (error) {
    if (!isDocumentFsError(error)) throw error;
    yield { path: dir, real: realDir, root, problem: `the directory cannot be listed (${error.code}): its files were not imported` };
    return;
  }
  for (let next = first; !next.done; next = await entries.next()) {
    const entry = next.value;
    const isDirectory = entry.kind === 'directory';
    const name = utf8Name(entry.name);
    if (name === null) {
      const shown = lossyName(entry.name);
      const what = isDirectory ? 'directory' : 'file';
      if (isDirectory || DOCUMENT_EXTENSIONS.has(extname(shown).toLowerCase())) {
        const problem = `the ${what} name is not valid UTF-8 (shown here with %-escapes): rename it to import ${isDirectory ? 'its files' : 'it'}`;
        yield { path: join(dir, shown), real: join(realDir, shown), root, problem };
      }
      continue;
    }
    const path = join(dir, name);
    const real = join(realDir, name);
    // Symlinked directories are not followed: a link cycle would walk forever.
    if (isDirectory) yield* walk(path, real, root, signal);
    else if (DOCUMENT_EXTENSIONS.has(extname(name).toLowerCase())) {
      // Anything else with a document's name (a FIFO, a device) is listed and refused when read.
      yield entry.kind === 'symlink' ? await linkEntry(path, real, root) : { path, real, root };
    }
  }
}

/** A link inside the root is keyed by its target (so it and the target are one document). */
async function linkEntry(path: string, real: string, root: string): Promise<SourceEntry> {
  try {
    const target = await realpath(real);
    if (isInside(target, root)) return { path, real: target, root };
  } catch (error) {
    if (!isDocumentFsError(error)) throw error;
  }
  // Outside the root, dangling or a loop: listed under its own name, refused when read.
  return { path, real, root };
}

/**
 * The entries of a source: each path is a file (taken whatever its extension) or a directory tree
 * (walked). A missing path throws SourceNotFoundError, since a typo must not look like an empty
 * source. A path inside one already walked (the same directory twice, an alias of it) adds nothing;
 * files reached twice otherwise share their `real` path, for the manifest to drop the repeat.
 */
export async function* sourceFiles(paths: readonly string[], options: { signal?: AbortSignal } = {}): AsyncGenerator<SourceEntry> {
  const walked: string[] = [];
  for (const path of paths) {
    let real: string;
    let info: Stats;
    try {
      real = await realpath(path);
      info = await stat(real);
    } catch (error) {
      if (isDocumentFsError(error)) throw new SourceNotFoundError(path, error.code);
      throw error;
    }
    if (walked.some((root) => isInside(real, root))) continue;
    if (info.isDirectory()) {
      walked.push(real);
      yield* walk(path, real, real, options.signal);
    } else yield { path, real, root: real };
  }
}

/** Every document under a path (a file or a directory tree), in sorted order. */
export async function* readDocuments(path: string, options: ReadOptions = {}): AsyncGenerator<DocumentResult> {
  for await (const entry of sourceFiles([path], { ...(options.signal ? { signal: options.signal } : {}) })) {
    if (entry.problem !== undefined) yield { file: entry.path, result: failed(entry.problem), unkept: { size: 0, sha256: sha256(`problem:${entry.path}`) } };
    else yield* readDocumentFile(entry.path, { ...options, root: entry.root });
  }
}
