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

  it.skipIf(!existsSync(SEEDS))('the four seeds keep the content hashes revisions were stored under', () => {
    for (const [name, hash] of Object.entries(PINNED)) {
      const result = parse(readFileSync(path.join(SEEDS, `${name}.txt`)));
      if (!result.ok) throw new Error(`${name}: ${JSON.stringify(result.errors)}`);
      expect(contentHash(result.article), name).toBe(hash);
    }
  });
});
