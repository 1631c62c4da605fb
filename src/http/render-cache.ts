// Rendered site bodies, kept in the worker's memory as UTF-8 bytes and bounded by bytes. A body is a pure function of
// what its key names (the revision's content hash, the representation, the renderer version), and
// revisions never change, so an entry is never stale: it only ages out. A rollback re-serves the
// previous release, whose pages were rendered moments before, so it skips the article fetch, the jsonb
// parse and the rendering; that makes the verification after a rollback cheap. Bytes rather than
// strings: a socket takes them without encoding them again (a rendered page is a rope of template
// pieces, which node re-walks on every write), and their size is exact.

import { ErrorType, PressroomError } from '../domain/errors.js';

export type RenderCacheStats = { entries: number; bytes: number; maxBytes: number; hits: number; misses: number; evictions: number };

/** What an entry is charged beyond its body and key: the Map slot, the entry and the Buffer objects. */
const ENTRY_OVERHEAD = 96;
/** By default a body larger than this share of the bound is served but not kept: it would push out many others. */
const LARGEST_SHARE = 8;

export type RenderCacheOptions = {
  /** The largest entry kept (default: an eighth of the bound). */
  maxEntryBytes?: number;
};

/**
 * The bytes a key holds in V8: one per UTF-16 unit when every unit fits in Latin-1 (a one-byte
 * string), else two.
 */
export function stringBytes(text: string): number {
  // eslint-disable-next-line no-control-regex -- the test is for anything outside Latin-1
  return /[^\u0000-\u00ff]/.test(text) ? text.length * 2 : text.length;
}

/** A least-recently-used map from key to a rendered body, bounded by the bytes of its keys and bodies. */
export class RenderCache {
  readonly #entries = new Map<string, { body: Buffer; bytes: number }>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;

  readonly maxEntryBytes: number;

  constructor(
    readonly maxBytes: number,
    options: RenderCacheOptions = {},
  ) {
    if (!Number.isFinite(maxBytes) || maxBytes < 0) {
      throw new PressroomError(ErrorType.InvalidConfig, `the render cache bound must be a byte count >= 0, got ${maxBytes}; not retryable`);
    }
    this.maxEntryBytes = Math.min(maxBytes, options.maxEntryBytes ?? maxBytes / LARGEST_SHARE);
  }

  get(key: string): Buffer | undefined {
    const entry = this.#entries.get(key);
    if (!entry) {
      this.#misses++;
      return undefined;
    }
    // Re-inserting moves the key to the young end of the Map's insertion order: eviction takes the oldest.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.#hits++;
    return entry.body;
  }

  set(key: string, body: Buffer): void {
    const bytes = body.byteLength + stringBytes(key) + ENTRY_OVERHEAD;
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#bytes -= old.bytes;
    }
    if (bytes > this.maxEntryBytes) return;
    this.#entries.set(key, { body, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
      this.#evictions++;
    }
  }

  stats(): RenderCacheStats {
    return { entries: this.#entries.size, bytes: this.#bytes, maxBytes: this.maxBytes, hits: this.#hits, misses: this.#misses, evictions: this.#evictions };
  }
}
