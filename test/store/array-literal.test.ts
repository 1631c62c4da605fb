import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { arrayLiteral } from '../../src/store/array-literal.js';

// node-postgres's own conversion, which arrayLiteral must match wherever it answers.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils') as { prepareValue: (value: unknown) => unknown };

const ARRAYS: Array<{ name: string; values: unknown[] }> = [
  { name: 'empty', values: [] },
  { name: 'plain strings', values: ['/src/a.txt', 'doc-0001', ''] },
  { name: 'quotes and backslashes', values: ['say "hi"', 'C:\\dir\\file', '\\"', 'plain'] },
  { name: 'nulls among strings', values: [null, 'a', undefined, 'b "c"'] },
  { name: 'only nulls', values: [null, null] },
  { name: 'numbers', values: [0, 1, -2, 3.5, 9007199254740991, Number.NaN, Number.POSITIVE_INFINITY] },
  { name: 'numbers and nulls', values: [1, null, 3] },
  { name: 'booleans and bigints', values: [true, false, 12345678901234567890n] },
  { name: 'text beyond ASCII and braces', values: ['café {x}', '日本語, comma', 'emoji 🎉', 'NULL', ' spaced '] },
];

describe('arrayLiteral', () => {
  for (const { name, values } of ARRAYS) {
    it(`writes what node-postgres writes: ${name}`, () => {
      expect(arrayLiteral(values)).toBe(prepareValue(values));
    });
  }

  it('leaves nested arrays, bytes, dates and objects to node-postgres', () => {
    expect(arrayLiteral([['a'], ['b']])).toBeUndefined();
    expect(arrayLiteral([Buffer.from('ab')])).toBeUndefined();
    expect(arrayLiteral([new Date(0)])).toBeUndefined();
    expect(arrayLiteral(['a', { b: 1 }])).toBeUndefined();
  });
});
