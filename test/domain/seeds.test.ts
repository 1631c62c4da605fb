// The four real exports in ../shared/seeds must produce their expected canonical JSON exactly.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Article, parse, parseCanonicalJson } from '../../src/domain/article/index.js';

const SEEDS = path.resolve(import.meta.dirname, '../../../shared/seeds');
const present = existsSync(SEEDS);
if (!present) console.warn(`seed conformance SKIPPED: no seeds folder at ${SEEDS}`);

const seeds = present
  ? readdirSync(SEEDS)
      .filter((name) => name.endsWith('.txt'))
      .sort()
  : [];

describe.skipIf(!present)('seed conformance', () => {
  it('finds the seeds', () => {
    expect(seeds.length).toBeGreaterThanOrEqual(4);
  });

  for (const name of seeds) {
    const expectedFile = path.join(SEEDS, name.replace(/\.txt$/, '.expected.json'));
    it(`${name} parses to its expected JSON`, () => {
      const result = parse(readFileSync(path.join(SEEDS, name)));
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      const expected: unknown = JSON.parse(readFileSync(expectedFile, 'utf8'));
      // Through JSON, so key presence is compared exactly: an undefined key would vanish here.
      expect(JSON.parse(JSON.stringify(result.article))).toStrictEqual(expected);
      expect(Object.values(result.article as Record<string, unknown>).includes(undefined)).toBe(false);
      expect(result.warnings).toEqual([]);
    });

    it(`${name} parses the same with \\r\\n line endings`, () => {
      const text = readFileSync(path.join(SEEDS, name), 'utf8').replaceAll('\n', '\r\n');
      const result = parse(text);
      expect(result.ok && JSON.parse(JSON.stringify(result.article))).toStrictEqual(JSON.parse(readFileSync(expectedFile, 'utf8')));
    });

    it(`${name.replace(/\.txt$/, '.expected.json')} is a valid canonical article`, () => {
      const result = parseCanonicalJson(readFileSync(expectedFile));
      expect(result.ok).toBe(true);
      expect(Article.safeParse(JSON.parse(readFileSync(expectedFile, 'utf8'))).success).toBe(true);
    });
  }
});
