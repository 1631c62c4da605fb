// Hostile documents (issue 8): each is refused on its field with a specific reason, never by a crash,
// and nothing a database cannot store (NUL, lone surrogates) leaves the parser, not even in an error.
import { describe, expect, it } from 'vitest';
import { parse, parseCanonical, parseCanonicalJson, parseCanonicalNdjson } from '../../src/domain/article/index.js';
import type { Article, ParseResult } from '../../src/domain/article/index.js';
import { findJsonSyntaxError, MAX_JSON_DEPTH } from '../../src/domain/article/json.js';
import { showValue } from '../../src/domain/article/schema.js';
import { articleSlug, slugify, stableStringify } from '../../src/domain/content.js';
import { ErrorType, PressroomError } from '../../src/domain/errors.js';
import { rng } from '../../src/domain/random.js';
import { VALID_EXPORT } from './fixtures.js';

function article(): Article {
  const result = parse(VALID_EXPORT);
  if (!result.ok) throw new Error('fixture must parse');
  return structuredClone(result.article);
}

/** The fixture as JSON text with `edit` applied to its parsed form (for values JSON.stringify cannot write). */
function articleJson(replace: Record<string, string>): string {
  let text = JSON.stringify(article());
  for (const [from, to] of Object.entries(replace)) {
    if (!text.includes(from)) throw new Error(`fixture JSON has no ${from}`);
    text = text.replace(from, to);
  }
  return text;
}

function errorsOf(result: ParseResult): { field: string; message: string }[] {
  if (result.ok) throw new Error('expected a rejection, got ok');
  return result.errors;
}

// Strings PostgreSQL refuses (text and jsonb): NUL, and lone surrogates, which have no UTF-8 form.
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function expectStorable(result: ParseResult): void {
  const strings: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') strings.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        strings.push(k);
        walk(v);
      }
    }
  };
  walk(result.ok ? result.article : result.errors);
  for (const s of strings) expect(UNSTORABLE.test(s), `unstorable string ${JSON.stringify(s)}`).toBe(false);
}

const nested = (depth: number, inner = '1') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

describe('item 3: deeply nested JSON is refused on its field, never overflows the stack', () => {
  it('5,000 levels of arrays in the lede: rejected at the path where the limit is passed', () => {
    const result = parseCanonicalJson(articleJson({ '"lede":"this is the lede paragraph."': `"lede":${nested(5000)}` }));
    const errors = errorsOf(result);
    // The document is level 1, `lede` level 2: the first container past the limit is 31 arrays down.
    const deepest = `lede${'[0]'.repeat(MAX_JSON_DEPTH - 1)}`;
    expect(errors[0]).toEqual({
      field: deepest,
      message: `expected at most ${MAX_JSON_DEPTH} levels of nested arrays and objects, got an array nested deeper`,
    });
    // And the lede's own type error is named without serialising the monster.
    expect(errors).toContainEqual({ field: 'lede', message: 'expected text, got an array' });
  });

  it('200,000 levels anywhere (an unknown key, meta.extra, sections, the root) are rejected, not thrown', () => {
    const deep = nested(200_000);
    const cases: [string, string][] = [
      [articleJson({ '"title":': `"surprise":${deep},"title":` }), 'surprise'],
      [articleJson({ '"meta":{': `"meta":{"extra":${deep},` }), 'meta.extra'],
      [articleJson({ '"sections":[': `"sections":[${deep},` }), 'sections[0]'],
      [articleJson({ '"context":"ctx"': `"context":${nested(100_000, '{"a":{"b":1}}')}` }), 'meta.outline.context'],
    ];
    for (const [text, prefix] of cases) {
      const errors = errorsOf(parseCanonicalJson(text));
      const depthError = errors.find((e) => e.message.includes('levels of nested'));
      expect(depthError?.field.startsWith(prefix), JSON.stringify(errors.map((e) => e.field.slice(0, 40)))).toBe(true);
    }
    expect(errorsOf(parseCanonicalJson(nested(200_000)))[0]?.field).toBe('document');
  });

  it('.ndjson lines and already-decoded values take the same route', () => {
    const [line] = parseCanonicalNdjson(articleJson({ '"lede":"this is the lede paragraph."': `"lede":${nested(10_000)}` }));
    expect(line?.result.ok).toBe(false);
    let value: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) value = { a: value };
    const errors = errorsOf(parseCanonical({ ...article(), lede: value }));
    expect(errors[0]?.field).toBe(`lede${'.a'.repeat(MAX_JSON_DEPTH - 1)}`);
    expect(errors).toContainEqual({ field: 'lede', message: 'expected text, got an object' });
  });

  it('showValue and stableStringify are bounded on deep values', () => {
    const deep = JSON.parse(nested(100_000)) as unknown;
    expect(showValue(deep)).toBe('an array');
    expect(() => stableStringify(deep)).toThrow(PressroomError);
    try {
      stableStringify(deep);
    } catch (error) {
      expect((error as PressroomError).type).toBe(ErrorType.InvalidInput);
    }
    // Ordinary articles still serialise, keys sorted.
    expect(stableStringify({ b: [1, { d: 2, c: 3 }], a: null })).toBe('{"a":null,"b":[1,{"c":3,"d":2}]}');
  });
});

describe('item 5: no string the database cannot store leaves the parser', () => {
  it('a lone surrogate in a .json title is rejected on title', () => {
    const result = parseCanonicalJson(articleJson({ '"title":"a title for testing"': '"title":"a title \\ud800 for testing"' }));
    expect(errorsOf(result)).toEqual([
      { field: 'title', message: 'expected text, got a lone UTF-16 surrogate (U+D800) at position 8: not a character, it has no UTF-8 form' },
    ]);
    expectStorable(result);
  });

  it('a trailing low surrogate and a surrogate in a list item are rejected on their fields', () => {
    const result = parseCanonicalJson(
      articleJson({
        '"git"': '"git\\udc00"',
        '"caption":"caption one","source":"example.com","type"': '"caption":"caption \\udbff","source":"example.com","type"',
      }),
    );
    // Reported in the order the JSON holds them (the fixture's key order), so compared as a set.
    expect(
      errorsOf(result)
        .map((e) => e.field)
        .sort(),
    ).toEqual(['meta.tools[0]', 'sections[0].blocks[0].caption']);
    expectStorable(result);
  });

  it('a well-formed surrogate pair (an emoji) is text', () => {
    const result = parseCanonicalJson(articleJson({ '"title":"a title for testing"': '"title":"a title \\ud83d\\ude00"' }));
    expect(result.ok && result.article.title).toBe('a title 😀');
  });

  it('a NUL inside an image URL is rejected on the URL, as binary', () => {
    const result = parseCanonicalJson(articleJson({ 'https://example.com/a.png': 'https://example.com/a\\u0000.png' }));
    expect(errorsOf(result)).toEqual([
      { field: 'meta.images[0].url', message: 'expected text, got a NUL character (U+0000) at position 21: binary data, not text' },
    ]);
    expectStorable(result);
  });

  it('a NUL in text is binary too: rejected on its field, not silently dropped', () => {
    const result = parseCanonicalJson(articleJson({ '"some summary."': '"some\\u0000 summary."' }));
    expect(errorsOf(result).map((e) => e.field)).toEqual(['meta.summary']);
  });

  it('a NUL inside an unknown key: rejected on a path that shows it escaped, never carries it', () => {
    const result = parseCanonicalJson(articleJson({ '"meta":{': '"meta":{"a\\u0000b":1,"c\\ud800":2,' }));
    const errors = errorsOf(result);
    expect(errors.map((e) => e.field)).toEqual(['meta.a\\u0000b', 'meta.c\\ud800']);
    expect(errors[0]?.message).toMatch(/^expected a key of text, got a NUL character/);
    expectStorable(result);
  });

  it('an unknown key with other control characters or great length gets a bounded, clean path', () => {
    const key = `x\u0007${'k'.repeat(5000)}`;
    const result = parseCanonical({ ...article(), [key]: 1 });
    const errors = errorsOf(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(`x\\u0007${'k'.repeat(50)}...`);
    expect(errors[0]!.message.length).toBeLessThan(200);
  });

  it('export text handed over as a string with a lone surrogate is refused as not UTF-8 text', () => {
    const result = parse(VALID_EXPORT.replace('a title for testing', 'a title \udc00 for testing'));
    expect(errorsOf(result)).toEqual([
      { field: 'document', message: expect.stringMatching(/^expected UTF-8 text, got a lone UTF-16 surrogate \(U\+DC00\) at position \d+/) },
    ]);
  });

  it('export bytes can never decode to a lone surrogate: an encoded surrogate is not UTF-8', () => {
    const bytes = new TextEncoder().encode(VALID_EXPORT);
    const at = bytes.indexOf(0x74); // the first "t" of the title
    const broken = new Uint8Array([...bytes.subarray(0, at), 0xed, 0xa0, 0x80, ...bytes.subarray(at)]);
    expect(errorsOf(parse(broken))).toEqual([{ field: 'document', message: 'expected UTF-8 text, got bytes that are not valid UTF-8' }]);
  });

  it('every rejection of random damage with NULs and surrogates is storable', () => {
    const r = rng(8);
    const base = JSON.stringify(article());
    const hazards = ['\\u0000', '\\ud800', '\\udfff', '\\ud83d\\ude00', '\\u0007', '\\u202e'];
    for (let i = 0; i < 300; i++) {
      let text = base;
      for (let n = r.int(1, 4); n > 0; n--) {
        // Only inside strings: after an opening quote of some key or value.
        const quotes = [...text.matchAll(/"/g)].map((m) => m.index);
        const at = (r.pick(quotes) ?? 0) + 1;
        text = text.slice(0, at) + r.pick(hazards) + text.slice(at);
      }
      expectStorable(parseCanonicalJson(text));
    }
  });
});

describe('item 5: slugs are unique by construction', () => {
  it('the reported collision is gone', () => {
    expect(articleSlug({ title: 'Intro', sourceId: 'alphanode-000001' })).toBe('intro--alphanode-000001');
    expect(articleSlug({ title: 'Intro Alphanode', sourceId: '000001' })).toBe('intro-alphanode--000001');
  });

  it('slugs stay derived from the title and stable', () => {
    const a = { title: 'Production Checklist: Jobs in Python!', sourceId: 'alphanode-021363' };
    expect(articleSlug(a)).toBe('production-checklist-jobs-in-python--alphanode-021363');
    expect(articleSlug({ ...a })).toBe(articleSlug(a));
    expect(articleSlug({ title: '<>', sourceId: 'x.y_z' })).toBe('article--x.y_z');
  });

  it('property: the source id is recovered from any slug, so distinct source ids never share one', () => {
    const r = rng(5);
    const titleParts = ['intro', 'Intro', '-', '--', ' ', 'alphanode', '000001', 'é', '!', '_', '.', 'a'.repeat(90), 'x-'];
    const idChars = 'a0-._-';
    const bySlug = new Map<string, string>();
    for (let i = 0; i < 20_000; i++) {
      const title = Array.from({ length: r.int(0, 6) }, () => r.pick(titleParts)).join('');
      // Source ids as the schema allows them ([a-z0-9][a-z0-9._-]{2,80}), hyphen-heavy to provoke collisions.
      const sourceId = r.pick(['a', '0', 'alphanode']) + Array.from({ length: r.int(2, 12) }, () => idChars.charAt(r.int(0, idChars.length - 1))).join('');
      const slug = articleSlug({ title, sourceId });
      const cut = slug.indexOf('--');
      expect(slug.slice(0, cut)).toBe(slugify(title));
      expect(slug.slice(cut + 2)).toBe(sourceId);
      const holder = bySlug.get(slug);
      if (holder !== undefined) expect(holder).toBe(sourceId);
      bySlug.set(slug, sourceId);
    }
    // Titles that are a prefix of each other with ids that start with the rest: the old collision shape.
    for (let i = 0; i < 2000; i++) {
      const word = r.pick(['intro', 'alpha', 'node', '000']);
      const id = `${word}-${String(r.int(100, 999))}`;
      expect(articleSlug({ title: 'x', sourceId: id })).not.toBe(articleSlug({ title: `x ${word}`, sourceId: id.slice(word.length + 1) }));
    }
  });
});

describe('item 8: JSON parse errors never echo the document', () => {
  it('a shadow file read as JSON: the position and the one character, no more', () => {
    const text = 'root:$6$abcdefgh$SECRETHASH:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n';
    const [error] = errorsOf(parseCanonicalJson(text));
    expect(error).toEqual({
      field: 'document',
      message:
        'expected a JSON article, got text that is not valid JSON: unexpected character "r" (U+0072) at position 0 (line 1, column 1), expected a value (an object, array, string, number, true, false or null)',
    });
  });

  it('errors deep in a document point at their position and quote nothing after it', () => {
    const cases: [string, RegExp][] = [
      ['{"title": "SECRET', /the text ends too early at position 17 \(line 1, column 18\), expected a closing "$/],
      ['{"title": 1} SECRET', /unexpected character "S" \(U\+0053\) at position 13 .*expected the end of the document/],
      ['{\n  "a": tru SECRET', /unexpected character "t" \(U\+0074\) at position 9 \(line 2, column 8\)/],
      ['{"a": "x\\qSECRET"}', /unexpected character "q" .* expected one of/],
      ['{"a": [1, 2 SECRET', /unexpected character "S" .* expected a comma or \]$/],
      ['{"a" 1}', /unexpected character "1" .* expected a colon after the property name$/],
      ['{"a": 01}', /unexpected character "1" .* expected a comma or }$/],
      ['{"a": "\t"}', /unexpected character U\+0009 at position 7 .*expected an escape/],
      ['{"a": 1,}', /unexpected character "}" .* expected a property name in double quotes$/],
      ['{"a": -}', /unexpected character "}" .* expected a digit$/],
    ];
    for (const [text, pattern] of cases) {
      const message = errorsOf(parseCanonicalJson(text))[0]?.message ?? '';
      expect(message).toMatch(pattern);
      expect(message).not.toMatch(/SECRET|ECR/);
    }
  });

  it('property: the scanner agrees with JSON.parse, and the quoted character is the one at the position', () => {
    const r = rng(808);
    const base = JSON.stringify({ ...article(), lede: 'a "quoted" \\ lede\n', n: [-1.5e3, 0, true, false, null, {}] });
    // No characters the decoder drops before parsing (\u0001, \u202e), so positions match the text here.
    const junk = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '1', '-', 'e', '.', 'n', 't', '\t', '\n', 'x', '\\u12', ''];
    for (let i = 0; i < 3000; i++) {
      let text = base;
      for (let n = r.int(1, 3); n > 0; n--) {
        const at = r.int(0, text.length);
        const cut = r.chance(0.5) ? r.int(0, 3) : 0;
        text = text.slice(0, at) + r.pick(junk) + text.slice(at + cut);
      }
      if (r.chance(0.1)) text = text.slice(0, r.int(0, text.length));
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      const found = findJsonSyntaxError(text);
      expect(found === null, text).toBe(valid);
      if (found !== null && !valid) {
        const message = errorsOf(parseCanonicalJson(text))[0]?.message ?? '';
        expect(message).toContain(`at position ${found.at} `);
        if (found.at < text.length) {
          const code = text.charCodeAt(found.at);
          expect(message).toContain(`U+${code.toString(16).toUpperCase().padStart(4, '0')}`);
        }
      }
    }
  });
});

describe('item 16: messages say what the value was', () => {
  it('1e309 in a .json view count is a number too large, not null', () => {
    const result = parseCanonicalJson(articleJson({ '"viewCount":201251': '"viewCount":1e309' }));
    expect(errorsOf(result)).toEqual([{ field: 'meta.viewCount', message: 'expected a whole number >= 0, got a number too large to represent (infinity)' }]);
    const negative = parseCanonicalJson(articleJson({ '"viewCount":201251': '"viewCount":-1e309' }));
    expect(errorsOf(negative)[0]?.message).toBe('expected a whole number >= 0, got a number too large to represent (minus infinity)');
  });

  it('an object or array in lede is named, not [object Object]', () => {
    const deepObject = parseCanonicalJson(articleJson({ '"lede":"this is the lede paragraph."': `"lede":${'{"a":'.repeat(20)}1${'}'.repeat(20)}` }));
    expect(errorsOf(deepObject)).toEqual([{ field: 'lede', message: 'expected text, got an object' }]);
    const array = parseCanonicalJson(articleJson({ '"lede":"this is the lede paragraph."': '"lede":[1,2]' }));
    expect(errorsOf(array)).toEqual([{ field: 'lede', message: 'expected text, got an array' }]);
  });

  it('showValue is bounded and never cuts a character in two', () => {
    expect(showValue('12k')).toBe('"12k"');
    expect(showValue(101)).toBe('101');
    expect(showValue(Number.NaN)).toBe('a number that is not a number (NaN)');
    const long = `${'a'.repeat(75)}😀${'b'.repeat(1_000_000)}`;
    const shown = showValue(long);
    expect(shown.length).toBeLessThan(90);
    expect(UNSTORABLE.test(shown)).toBe(false);
    expect(shown).toBe(`"${'a'.repeat(75)}"...`);
  });
});
