// Random damage to valid exports: the parser never throws, and every rejection is structured.
import { describe, expect, it } from 'vitest';
import { Article, parse, synthesizeDocument } from '../../src/domain/article/index.js';
import { rng } from '../../src/domain/random.js';
import type { Rng } from '../../src/domain/random.js';

const encoder = new TextEncoder();
const LABELS = ['view count', 'reading time', 'hash', 'difficulty', 'payload', 'score', 'image sources', 'alphanode post meta', 'entities', 'flags'];

function mutate(r: Rng, text: string): string | Uint8Array {
  const lines = text.split('\n');
  const at = r.int(0, lines.length - 1);
  switch (r.int(0, 9)) {
    case 0:
      return text.slice(0, r.int(0, text.length));
    case 1:
      lines.splice(at, 0, lines[at] ?? '');
      return lines.join('\n');
    case 2: {
      const bytes = encoder.encode(text);
      for (let n = r.int(1, 8); n > 0; n--) {
        const i = r.int(0, bytes.length - 1);
        bytes[i] = (bytes[i] ?? 0) ^ (1 << r.int(0, 7));
      }
      return bytes;
    }
    case 3: {
      const label = r.pick(LABELS);
      return lines.map((line) => (line.toLowerCase().startsWith(label) ? line.slice(label.length) : line)).join('\n');
    }
    case 4:
      lines.splice(at, 1);
      return lines.join('\n');
    case 5: {
      const other = r.int(0, lines.length - 1);
      [lines[at], lines[other]] = [lines[other] ?? '', lines[at] ?? ''];
      return lines.join('\n');
    }
    case 6:
      lines[at] = (lines[at] ?? '') + r.pick(['<b>', '<script>', '\u0007', '•', ': ', '\t', '\u202e', '😀', '\r', '<!--']);
      return lines.join('\n');
    case 7:
      lines.splice(at, 0, r.pick(['• stray', 'payload', 'score', '| |', '', 'x. image source: y', 'Similar Posts', 'alphanode post meta']));
      return lines.join('\n');
    case 8: {
      const bytes = encoder.encode(text);
      return bytes.subarray(0, r.int(0, bytes.length));
    }
    default:
      return lines.map((line) => (r.chance(0.1) ? line.toUpperCase() : line)).join('\n');
  }
}

describe('fuzz', () => {
  it('10,000 random mutations of valid exports never throw and always answer in shape', () => {
    const r = rng(20240601);
    const bases = Array.from({ length: 200 }, (_, i) => synthesizeDocument(77, i).content as string);
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 10_000; i++) {
      let input: string | Uint8Array = bases[i % bases.length] ?? '';
      for (let n = r.int(1, 3); n > 0; n--) input = mutate(r, typeof input === 'string' ? input : new TextDecoder().decode(input));
      const result = parse(input);
      if (result.ok) {
        accepted++;
        // What the export parser accepts, the whole-article schema accepts too (sampled: it is slow).
        if (i % 5 === 0) {
          const check = Article.safeParse(result.article);
          if (!check.success) throw new Error(`mutation ${i}: accepted an invalid article: ${check.error.message}`);
        }
      } else {
        rejected++;
        const malformed =
          result.errors.length === 0 ||
          result.errors.some((e) => typeof e.field !== 'string' || e.field === '' || typeof e.message !== 'string' || e.message === '');
        if (malformed) throw new Error(`mutation ${i}: errors out of shape: ${JSON.stringify(result.errors)}`);
      }
    }
    expect(accepted).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(1000);
  });

  it('random bytes never throw', () => {
    const r = rng(99);
    for (let i = 0; i < 500; i++) {
      const bytes = new Uint8Array(r.int(0, 2000));
      for (let k = 0; k < bytes.length; k++) bytes[k] = r.int(0, 255);
      const result = parse(bytes);
      expect(result.ok).toBe(false);
    }
  });
});
