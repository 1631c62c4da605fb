// The generator and the parser agree: good exports parse to exactly the article they were rendered
// from, malformed ones are rejected on exactly the field their kind names.
import { describe, expect, it } from 'vitest';
import { Article, BAD_KINDS, badKindFor, parse, synthesizeDocument, synthesizeDocuments } from '../../src/domain/article/index.js';

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
  );
}

function canonical(value: unknown): string {
  return JSON.stringify(sorted(value));
}

describe('synth → parse round trips', () => {
  it('good and malformed exports over many seeds', () => {
    const seen = new Set<string>();
    let good = 0;
    for (let seed = 1; seed <= 12; seed++) {
      for (const doc of synthesizeDocuments(seed * 7919, 250, { badRatio: 0.3, from: seed * 100 })) {
        const result = parse(doc.content);
        if (doc.expectBad === null) {
          if (!result.ok) throw new Error(`seed ${seed} index ${doc.index}: ${JSON.stringify(result.errors)}`);
          // Canonical JSON, keys sorted: deep equality at a fraction of toEqual's cost over 2,000 articles.
          if (canonical(result.article) !== canonical(doc.expected)) expect(result.article).toEqual(doc.expected);
          if (result.warnings.length > 0) throw new Error(`index ${doc.index}: ${JSON.stringify(result.warnings)}`);
          // The parser builds body blocks by construction; the whole-article schema must agree.
          if (good % 10 === 0) expect(Article.safeParse(result.article).success).toBe(true);
          good++;
        } else {
          seen.add(doc.expectBad);
          if (result.ok) throw new Error(`seed ${seed} index ${doc.index}: ${doc.expectBad} was accepted`);
          if (result.errors.length !== 1 || result.errors[0]?.field !== doc.expectField) {
            expect(result.errors.map((e) => e.field)).toEqual([doc.expectField]);
          }
        }
      }
    }
    expect(good).toBeGreaterThan(1500);
    expect([...seen].sort()).toEqual([...BAD_KINDS].sort());
  });

  it('produces variety: stacks, languages, images, quirks', () => {
    const docs = [...synthesizeDocuments(3, 300)];
    const articles = docs.map((d) => d.expected).filter((a) => a !== null);
    expect(new Set(articles.map((a) => a.meta.codeLanguage)).size).toBeGreaterThanOrEqual(6);
    expect(new Set(articles.map((a) => a.meta.stack?.[0])).size).toBeGreaterThanOrEqual(6);
    expect(articles.some((a) => a.meta.images === undefined)).toBe(true);
    expect(articles.some((a) => (a.meta.images?.length ?? 0) >= 3)).toBe(true);
    expect(articles.some((a) => a.lede === null)).toBe(true);
    expect(articles.some((a) => a.meta.extra !== undefined)).toBe(true);
    const texts = docs.map((d) => d.content as string);
    expect(texts.some((t) => t.includes('\r\n'))).toBe(true);
    expect(texts.some((t) => /^view count: /im.test(t))).toBe(true);
    expect(texts.some((t) => /^view count\t/im.test(t))).toBe(true);
    expect(texts.some((t) => t.startsWith('| |'))).toBe(true);
    expect(texts.some((t) => t.includes('<script>'))).toBe(true);
  });
});

describe('determinism', () => {
  it('the same seed and index give the same document, whatever the count', () => {
    const short = [...synthesizeDocuments(5, 20, { badRatio: 0.2 })];
    const long = [...synthesizeDocuments(5, 40, { badRatio: 0.2 })];
    expect(long.slice(0, 20)).toEqual(short);
    expect(synthesizeDocument(5, 13, { badRatio: 0.2 })).toEqual(short[13]);
  });

  it('different seeds give different documents', () => {
    expect(synthesizeDocument(1, 0).content).not.toEqual(synthesizeDocument(2, 0).content);
  });

  it('names files and source ids after the index', () => {
    const doc = synthesizeDocument(9, 123);
    expect(doc.fileName).toBe('000123_alphanode-000123.txt');
    expect(doc.sourceId).toBe('alphanode-000123');
    expect(synthesizeDocument(9, 1234567).sourceId).toBe('alphanode-1234567');
  });

  it('spreads malformed documents at the ratio and cycles through every kind', () => {
    const kinds = Array.from({ length: 1000 }, (_, i) => badKindFor(4, i, 0.1));
    const bad = kinds.filter((k) => k !== null);
    expect(bad).toHaveLength(100);
    expect(new Set(bad).size).toBe(BAD_KINDS.length);
    expect(badKindFor(4, 7, 0)).toBeNull();
    expect(Array.from({ length: 50 }, (_, i) => badKindFor(4, i, 1)).every((k) => k !== null)).toBe(true);
  });
});

describe('variants', () => {
  it('a variant is the same document, changed', () => {
    const original = synthesizeDocument(11, 42);
    const changed = synthesizeDocument(11, 42, { variant: 1 });
    expect(changed.sourceId).toBe(original.sourceId);
    expect(changed.expected).not.toEqual(original.expected);
    expect(changed.expected?.meta.viewCount).not.toBe(original.expected?.meta.viewCount);
    expect(changed.expected?.title).toBe(original.expected?.title);
    const result = parse(changed.content);
    expect(result.ok && result.article).toEqual(changed.expected);
    expect(synthesizeDocument(11, 42, { variant: 1 })).toEqual(changed);
    expect(synthesizeDocument(11, 42, { variant: 2 }).expected).not.toEqual(changed.expected);
  });
});
