// `pressroom parse` and `pressroom synth`, called through the CLI's main() with its output captured.
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/capture.js';
import { synthesizeDocument } from '../../src/domain/article/index.js';
import { VALID_EXPORT, withLine } from './fixtures.js';

let dir: string;
let out: string[];
let err: string[];

function capture(): void {
  out = [];
  err = [];
}

async function command(argv: string[]): Promise<number> {
  const run = await runCli(argv);
  if (run.stdout) out.push(run.stdout);
  if (run.stderr) err.push(run.stderr);
  return run.code;
}
const parseCommand = (args: string[]) => command(['parse', ...args]);
const synthCommand = (args: string[]) => command(['synth', ...args]);

function stdoutLines(): string[] {
  return out
    .join('')
    .split('\n')
    .filter((line) => line !== '');
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pressroom-cli-'));
  await mkdir(path.join(dir, 'good'));
  await mkdir(path.join(dir, 'mixed'));
  await writeFile(path.join(dir, 'good', 'one.txt'), VALID_EXPORT);
  await writeFile(path.join(dir, 'mixed', 'a-good.txt'), VALID_EXPORT);
  await writeFile(path.join(dir, 'mixed', 'b-bad.txt'), withLine('view count201251', 'view count12k'));
  await writeFile(path.join(dir, 'mixed', 'c.ndjson'), '{"not":"an article"}\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pressroom parse', () => {
  it('exits 0 when every document is accepted, with a readable summary', async () => {
    capture();
    const code = await parseCommand([path.join(dir, 'good')]);
    expect(code).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/^ok\s+.*one\.txt\s+alphanode-000001/m);
    expect(text).toMatch(/1 document: 1 accepted \(0 with warnings\), 0 rejected/);
  });

  it('exits 1 when any document is rejected, naming the field', async () => {
    capture();
    expect(await parseCommand([path.join(dir, 'mixed')])).toBe(1);
    const text = out.join('');
    expect(text).toMatch(/rejected\s+.*b-bad\.txt\n\s+meta\.viewCount: expected a whole number >= 0, got "12k"/);
    expect(text).toMatch(/rejected\s+.*c\.ndjson:1/);
  });

  it('--json prints one JSON line per document', async () => {
    capture();
    expect(await parseCommand(['--json', path.join(dir, 'mixed')])).toBe(1);
    const lines = stdoutLines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    const [good, bad, ndjson] = lines;
    expect(Object.keys(good ?? {})).toEqual(['file', 'ok', 'article', 'warnings']);
    expect(good).toMatchObject({ file: path.join(dir, 'mixed', 'a-good.txt'), ok: true, warnings: [] });
    expect((good?.article as { sourceId: string }).sourceId).toBe('alphanode-000001');
    expect(bad).toEqual({
      file: path.join(dir, 'mixed', 'b-bad.txt'),
      ok: false,
      errors: [{ field: 'meta.viewCount', message: 'expected a whole number >= 0, got "12k"' }],
    });
    expect(Object.keys(ndjson ?? {})).toEqual(['file', 'line', 'ok', 'errors']);
    expect(ndjson).toMatchObject({ file: path.join(dir, 'mixed', 'c.ndjson'), line: 1, ok: false });
  });

  it('keeps the path as given for a single file', async () => {
    capture();
    const file = path.join(dir, 'good', 'one.txt');
    expect(await parseCommand(['--json', file])).toBe(0);
    expect(JSON.parse(stdoutLines()[0] ?? '{}')).toMatchObject({ file, ok: true });
  });

  it.each([
    [['--bogus', 'x'], /unknown option '--bogus'/],
    [[], /missing required argument 'paths'/],
    [['--json'], /missing required argument 'paths'/],
    [[''], /PATH must not be empty/],
    [['/definitely/not/here'], /no such file or directory: \/definitely\/not\/here/],
    [['--max-bytes', 'lots', 'x'], /--max-bytes expects/],
  ])('exits 2 for a usage error: %j', async (args, message) => {
    capture();
    expect(await parseCommand(args)).toBe(2);
    expect(err.join('')).toMatch(message);
    expect(out).toEqual([]);
  });

  it('--help prints usage and exits 0', async () => {
    capture();
    expect(await parseCommand(['--help'])).toBe(0);
    expect(out.join('')).toMatch(/Usage: pressroom parse/);
  });
});

describe('pressroom synth', () => {
  it('writes deterministic exports that parse as expected', async () => {
    const target = path.join(dir, 'synth');
    capture();
    expect(await synthCommand(['--count', '40', '--out', target, '--seed', '3', '--bad-ratio', '0.25'])).toBe(0);
    expect(out.join('')).toMatch(/wrote 40 exports \(10 malformed/);
    const files = (await readdir(target)).sort();
    expect(files).toHaveLength(40);
    expect(files[7]).toBe('000007_alphanode-000007.txt');
    for (const index of [0, 7, 39]) {
      const expected = synthesizeDocument(3, index, { badRatio: 0.25 });
      const bytes = await readFile(path.join(target, expected.fileName));
      expect(new Uint8Array(bytes)).toEqual(typeof expected.content === 'string' ? new TextEncoder().encode(expected.content) : expected.content);
    }

    capture();
    expect(await parseCommand(['--json', target])).toBe(1);
    const results = stdoutLines().map((line) => JSON.parse(line) as { ok: boolean });
    expect(results.filter((r) => !r.ok)).toHaveLength(10);
  });

  it('exits 2 for bad arguments and 0 for --help', async () => {
    capture();
    expect(await synthCommand(['--count', '3'])).toBe(2);
    expect(await synthCommand(['--count', 'x', '--out', dir])).toBe(2);
    expect(await synthCommand(['--count', '3', '--out', dir, '--bad-ratio', '2'])).toBe(2);
    expect(await synthCommand(['--nope'])).toBe(2);
    const messages = err
      .join('')
      .split('\n')
      .filter((line) => line !== '');
    expect(messages).toEqual([
      'pressroom synth: --out is required (see `pressroom synth --help`)',
      'pressroom synth: --count expects a whole number >= 0, got "x" (see `pressroom synth --help`)',
      'pressroom synth: --bad-ratio expects a decimal number from 0 to 1, got "2" (see `pressroom synth --help`)',
      "pressroom synth: unknown option '--nope' (see `pressroom synth --help`)",
    ]);
    expect(out).toEqual([]);
    expect(await synthCommand(['--help'])).toBe(0);
  });
});
