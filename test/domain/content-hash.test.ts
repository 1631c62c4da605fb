// Content hashes are stored with every revision: if the canonical JSON behind them ever changed, every
// article would look changed on its next import and get a new revision. These pins were taken with the
// map/filter/join stableStringify that the loop version replaced, which produced the same bytes.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/domain/article/index.js';
import { stableStringify } from '../../src/domain/content.js';
import { contentHash } from '../../src/ingest/read.js';

const SEEDS = path.resolve(import.meta.dirname, '../../../shared/seeds');
const PINNED: Record<string, string> = {
  '000_35bddb30e7b0a469': '6b9a9936f3f70bcfbe444eaa9fd02eeb52af1c6d997d84f9aea3e69c49717115',
  '001_ac7b1909ac0fa935': 'c58161799eec339c59c6cc36c76fe0ccf5f92763c8ca6c71b3bf6b94bd0d3cb6',
  '003_e8c5fc9cffc7e8cc': 'bd00d3da9bc363d3a1d6fbc16b6ea8df0dcdbd3b1fddfeeb977f64cca4863b7b',
  '004_19c38776bf8b197e': 'bff869db57d4ff5861e8b3e172fce360ebdea36b2c458089b85de599a981350d',
};

describe('canonical JSON and content hashes', () => {
  it('sorts keys at every depth, drops undefined members, writes undefined array items as null, escapes strings as JSON does', () => {
    const value = { b: [undefined, 'x"\n\u2028', { z: 1, y: undefined, a: [] }], a: { '': true, é: null }, c: undefined };
    expect(stableStringify(value)).toBe('{"a":{"":true,"é":null},"b":[null,"x\\"\\n\u2028",{"a":[],"z":1}]}');
    expect(JSON.parse(stableStringify(value))).toEqual(JSON.parse(JSON.stringify(value)));
    expect(stableStringify([])).toBe('[]');
    expect(stableStringify({})).toBe('{}');
    expect(stableStringify('s')).toBe('"s"');
    expect(stableStringify(undefined)).toBe('null');
  });

  it('writes the same bytes whether a subtree goes to the native JSON.stringify (keys already sorted) or is sorted here', () => {
    // The sorting serialiser every hash was taken with, kept here as the reference.
    const reference = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map((item: unknown) => reference(item === undefined ? null : item)).join(',')}]`;
      if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .sort()
        .filter((key) => record[key] !== undefined);
      return `{${keys.map((key) => `${JSON.stringify(key)}:${reference(record[key])}`).join(',')}}`;
    };
    class Box {
      constructor(readonly b: number) {}
    }
    const odd: unknown[] = [
      { a: 1, b: [1, 'x', null, undefined, true, -0, Number.NaN], c: { d: { e: 'é\u2028"' } } }, // sorted throughout
      { b: 1, a: 2 }, // unsorted
      { a: { z: 1, y: 2 }, b: [{ b: 1, a: 1 }] }, // sorted outside, unsorted inside
      { 9: 'nine', 10: 'ten' }, // integer keys enumerate numerically: 9 before 10, which does not sort first
      { a: () => 1, b: Symbol('s') }, // functions and symbols are null members for the sorting path, dropped by JSON.stringify
      [() => 1, undefined, Symbol('s')],
      { a: new Date(0), b: new Box(1) }, // a toJSON method and a class instance
      { a: { toJSON: () => 'own' } },
      Object.assign(Object.create(null) as object, { a: 1, b: { c: 2 } }),
      { a: undefined, b: 2 },
      [[], {}, [[{}]]],
    ];
    for (const value of odd) expect(stableStringify(value)).toBe(reference(value));

    // Seeded random trees: shapes, key orders and values drawn from what JSON can hold and what it drops.
    let state = 12345;
    const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
    const leaves = [null, undefined, true, false, 0, -1.5, 1e21, 'text', '', '"\n', 'é', '\u{1F600}'];
    const tree = (depth: number): unknown => {
      const r = random();
      if (depth > 5 || r < 0.4) return leaves[Math.floor(random() * leaves.length)];
      if (r < 0.65) return Array.from({ length: Math.floor(random() * 4) }, () => tree(depth + 1));
      const keys = Array.from({ length: Math.floor(random() * 5) }, () => ['a', 'b', 'c', 'ab', 'B', '1', '02', 'é'][Math.floor(random() * 8)]!);
      const sorted = random() < 0.5;
      const record: Record<string, unknown> = {};
      for (const key of sorted ? [...new Set(keys)].sort() : keys) record[key] = tree(depth + 1);
      return record;
    };
    for (let i = 0; i < 2_000; i++) {
      const value = tree(0);
      expect(stableStringify(value)).toBe(reference(value));
    }

    // The depth limit holds on the native path too.
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = { a: deep };
    expect(() => stableStringify(deep)).toThrow(/nested more than 64 levels/);
  });

  it.skipIf(!existsSync(SEEDS))('the four seeds keep the content hashes revisions were stored under', () => {
    for (const [name, hash] of Object.entries(PINNED)) {
      const result = parse(readFileSync(path.join(SEEDS, `${name}.txt`)));
      if (!result.ok) throw new Error(`${name}: ${JSON.stringify(result.errors)}`);
      expect(contentHash(result.article), name).toBe(hash);
    }
  });
});
