import { describe, expect, it } from 'vitest';
import { RenderCache, stringBytes } from '../../src/http/render-cache.js';

// The render cache's bookkeeping: least recently used goes first, the byte bound holds, and a body too
// large to keep is served but not kept.

const OVERHEAD = 96;
const b = (text: string) => Buffer.from(text, 'utf8');
/** What an entry of this key and body is charged. */
const cost = (key: string, text: string) => stringBytes(key) + Buffer.byteLength(text) + OVERHEAD;

describe('RenderCache', () => {
  it('returns what was stored under a key, and nothing under another', () => {
    const cache = new RenderCache(10_000);
    cache.set('a', b('body of a'));
    expect(cache.get('a')).toEqual(b('body of a'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ entries: 1, hits: 1, misses: 1, bytes: cost('a', 'body of a') });
  });

  it('evicts the least recently used entries once the byte bound is passed', () => {
    const text = 'x'.repeat(100);
    const keys = Array.from({ length: 10 }, (_, n) => `k${n}`);
    const bound = keys.reduce((sum, key) => sum + cost(key, text), 0);
    const cache = new RenderCache(bound);
    for (const key of keys) cache.set(key, b(text));
    expect(cache.stats()).toMatchObject({ entries: 10, bytes: bound, evictions: 0 });
    // Reading k0 makes k1 the oldest: storing one more pushes k1 out, not k0.
    expect(cache.get('k0')).toEqual(b(text));
    cache.set('kA', b(text)); // the same size as each of the ten
    expect(cache.get('k1')).toBeUndefined();
    for (const key of ['k0', 'k2', 'k9', 'kA']) expect(cache.get(key), key).toEqual(b(text));
    expect(cache.stats()).toMatchObject({ entries: 10, evictions: 1 });
    expect(cache.stats().bytes).toBeLessThanOrEqual(bound);
  });

  it('never holds more bytes than its bound, however many entries arrive', () => {
    const cache = new RenderCache(50_000);
    for (let n = 0; n < 2_000; n++) cache.set(`key-${n}`, b(`body ${n} `.repeat(20)));
    const stats = cache.stats();
    expect(stats.bytes).toBeLessThanOrEqual(50_000);
    expect(stats.evictions).toBeGreaterThan(0);
    expect(cache.get('key-1999')).toEqual(b('body 1999 '.repeat(20)));
    expect(cache.get('key-0')).toBeUndefined();
  });

  it('replaces an entry stored again under its key, charging it once', () => {
    const cache = new RenderCache(10_000);
    cache.set('a', b('first'));
    cache.set('a', b('second, longer'));
    expect(cache.get('a')).toEqual(b('second, longer'));
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: cost('a', 'second, longer') });
  });

  it('does not keep a body larger than an eighth of its bound', () => {
    const cache = new RenderCache(8_000);
    cache.set('big', b('x'.repeat(1_000)));
    expect(cache.get('big')).toBeUndefined();
    expect(cache.stats().entries).toBe(0);
  });

  it('keeps a larger entry when told to, never one larger than the bound', () => {
    const text = 'x'.repeat(1_000);
    const cache = new RenderCache(8_000, { maxEntryBytes: 8_000 });
    cache.set('big', b(text));
    expect(cache.get('big')).toEqual(b(text));
    const tiny = new RenderCache(100, { maxEntryBytes: 10_000 });
    tiny.set('big', b(text));
    expect(tiny.get('big')).toBeUndefined();
    expect(tiny.stats().bytes).toBe(0);
  });

  it('charges a body its UTF-8 bytes', () => {
    const cache = new RenderCache(10_000);
    cache.set('k', b('h\u00e9llo \u{1F600}'));
    expect(cache.stats().bytes).toBe(1 + 11 + OVERHEAD);
  });

  it('counts two bytes per unit for keys outside Latin-1, one otherwise', () => {
    expect(stringBytes('abc')).toBe(3);
    expect(stringBytes('café')).toBe(4);
    expect(stringBytes('abc\u0416')).toBe(8);
    expect(stringBytes('\u{1F600}')).toBe(4);
  });

  it('refuses a bound that is not a byte count', () => {
    expect(() => new RenderCache(-1)).toThrow(/byte count/);
    expect(() => new RenderCache(Number.NaN)).toThrow(/byte count/);
  });
});
