import { describe, expect, it } from 'vitest';
import { Utf8Pack } from '../../src/ingest/utf8-pack.js';

const decode = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);

describe('Utf8Pack', () => {
  it('packs strings back to back as UTF-8, growing past its first guess without losing what it held', () => {
    const texts = ['ascii only', 'café — 日本語', '😀 a surrogate pair', '', 'x'.repeat(5_000), 'ελληνικά'.repeat(300), 'tail'];
    const pack = new Utf8Pack(16);
    const ranges = texts.map((text) => {
      const range = pack.add(text);
      // Right after it is added, the view holds the string (what the parse thread hashes).
      expect(decode(pack.view(range))).toBe(text);
      return range;
    });
    const buffer = pack.finish();
    let offset = 0;
    ranges.forEach((range, i) => {
      expect(range.offset).toBe(offset);
      expect(range.length).toBe(Buffer.byteLength(texts[i]!, 'utf8'));
      expect(decode(new Uint8Array(buffer, range.offset, range.length))).toBe(texts[i]);
      offset += range.length;
    });
    expect(buffer.byteLength).toBeGreaterThanOrEqual(offset);
  });

  it('never splits a character at the edge of its space', () => {
    // 1,023 ASCII bytes leave one byte free: the next string, all 3-byte characters, must grow the pack first.
    const pack = new Utf8Pack(1024);
    const first = pack.add('a'.repeat(1023));
    const second = pack.add('€€€');
    expect(first).toEqual({ offset: 0, length: 1023 });
    expect(second).toEqual({ offset: 1023, length: 9 });
    expect(decode(pack.view(second))).toBe('€€€');
  });
});
