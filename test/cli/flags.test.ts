// Flag handling of the commander program: help, unknown options, values out of range. Every usage
// error is exit 2 and one line naming the flag and the form expected; nothing reaches a server.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSourcePaths } from '../../src/cli/import.js';
import { Output } from '../../src/cli/output.js';
import { buildProgram } from '../../src/cli/program.js';
import { runCli, stringSink, type CliRun } from './capture.js';

const root = mkdtempSync(join(tmpdir(), 'pressroom-cli-flags-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Nothing listens here: a command that got past its flags would fail with exit 1, not 2.
const offline = { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', PRESSROOM_API_URL: 'http://127.0.0.1:1' };

function expectUsageError(run: CliRun, message: string | RegExp): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

describe('help', () => {
  it('bundle-workflows --help prints its help and writes no file named --help', async () => {
    const run = await runCli(['bundle-workflows', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: pressroom bundle-workflows \[options\] <out>/);
    expect(existsSync('--help')).toBe(false);
  });

  it.each([['import'], ['import', 'status'], ['articles', 'list'], ['review', 'approve'], ['worker'], ['probe'], ['dev'], ['imports'], ['rejections']])(
    '%s --help exits 0 with generated usage',
    async (...words) => {
      const run = await runCli([...words, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: pressroom ${words.join(' ')}`);
    },
  );

  it('says which --json shape each command prints', async () => {
    for (const list of [['articles', 'list'], ['rejections'], ['imports']]) {
      expect((await runCli([...list, '--help'])).stdout.replace(/\s+/g, ' ')).toContain('--json print one JSON document {"total": N, "items": [...]}');
    }
    expect((await runCli(['parse', '--help'])).stdout.replace(/\s+/g, ' ')).toContain('JSON Lines: one JSON document per line');
  });

  it('no command prints the help on stderr and exits 2', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: pressroom');
  });
});

describe('usage errors exit 2 with one line', () => {
  it.each([
    [['probe', '--bogus'], /^pressroom probe: unknown option '--bogus'/],
    [['worker', '--bogus'], /^pressroom worker: unknown option '--bogus'/],
    [['worker', 'extra'], /^pressroom worker: too many arguments/],
    [['dev', '--port', 'abc'], /^pressroom dev: --port expects a port number 1-65535, got "abc"/],
    [['frobnicate'], /^pressroom: unknown command 'frobnicate'/],
    [['import', 'status'], /^pressroom import status: missing required argument 'id'/],
    [['import', 'status', 'a/b'], /^pressroom import status: an import id must be 1 to 255 printable ASCII characters/],
    [['articles', 'list', '--review-state', 'maybe'], /^pressroom articles list: option '--review-state <state>' argument 'maybe' is invalid/],
    [['review', 'approve'], /^pressroom review approve: missing required argument 'source-ids'/],
    [['review', 'approve', 'x', '--by', ''], /^pressroom review approve: --by expects a reviewer name, got an empty string/],
    [['probe', ''], /^pressroom probe: KEY must not be empty/],
    [['articles', 'show', ''], /^pressroom articles show: SOURCE_ID must not be empty/],
    [['review', 'reject', 'alphanode-000001', ''], /^pressroom review reject: a SOURCE_ID must not be empty/],
  ])('%j', async (argv, message) => {
    expectUsageError(await runCli(argv, offline), message);
  });

  it("synth --count -1 names the flag and the range, not Node's parser text", async () => {
    expectUsageError(
      await runCli(['synth', '--count', '-1', '--out', join(root, 'x')]),
      /^pressroom synth: --count expects a whole number >= 0, got "-1" \(see `pressroom synth --help`\)$/,
    );
  });

  it.each([['abc'], ['0'], ['1001'], ['1e2'], ['']])('articles list --limit %j is a usage error naming the flag and the range', async (limit) => {
    expectUsageError(
      await runCli(['articles', 'list', '--limit', limit], offline),
      new RegExp(`^pressroom articles list: --limit expects a whole number from 1 to 1000, got "${limit}"`),
    );
  });

  it.each([['-1'], ['x'], ['99999999999']])('articles list --offset %j is a usage error', async (offset) => {
    expectUsageError(await runCli(['articles', 'list', '--offset', offset], offline), /--offset expects a whole number from 0 to 2147483647/);
  });

  it.each([['0x1'], [''], [' '], ['1e-1'], ['-0'], ['Infinity'], ['1.5'], ['.']])('synth --bad-ratio %j is refused', async (ratio) => {
    expectUsageError(
      await runCli(['synth', '--count', '1', '--out', join(root, 'r'), '--bad-ratio', ratio]),
      /^pressroom synth: --bad-ratio expects a decimal number from 0 to 1, got /,
    );
  });

  it('synth refuses indices past Number.MAX_SAFE_INTEGER, and writes exactly the count at the edge', async () => {
    expectUsageError(
      await runCli(['synth', '--from', '9007199254740990', '--count', '3', '--out', join(root, 'edge')]),
      /runs past the last index 9007199254740991 \(Number.MAX_SAFE_INTEGER\); use --count 2 at most/,
    );
    const run = await runCli(['synth', '--from', '9007199254740990', '--count', '2', '--out', join(root, 'edge'), '--bad-ratio', '.5']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^wrote 2 exports/);
    expect(readdirSync(join(root, 'edge'))).toHaveLength(2);
  });

  it('import "" is a usage error, not the current directory', async () => {
    expectUsageError(await runCli(['import', ''], offline), /^pressroom import: PATH must not be empty: an empty argument would import the current directory/);
    expectUsageError(await runCli(['import', root, ''], offline), /PATH must not be empty/);
  });

  it('import --id "" is a usage error, not ignored', async () => {
    expectUsageError(await runCli(['import', root, '--id', ''], offline), /^pressroom import: --id expects a workflow id, got an empty string/);
    expectUsageError(await runCli(['import', root, '--id=has space'], offline), /an import id must be 1 to 255 printable ASCII characters/);
  });

  it('1,001 paths are one sentence and exit 2, not a zod dump', async () => {
    const dir = join(root, 'many');
    mkdirSync(dir);
    const paths = Array.from({ length: 1_001 }, (_, i) => join(dir, `${i}.txt`));
    for (const path of paths) writeFileSync(path, '');
    expectUsageError(
      await runCli(['import', ...paths], offline),
      /^pressroom import: 1001 paths given, at most 1000 are allowed per import; import the directory that holds them instead/,
    );
  });

  it('import of a missing path names it', async () => {
    expectUsageError(await runCli(['import', join(root, 'nope')], offline), /no such file or directory: .*nope/);
  });
});

describe('import paths', () => {
  it('are resolved through links and de-duplicated before an import starts', async () => {
    const source = join(root, 'source');
    mkdirSync(source);
    symlinkSync(source, join(root, 'alias'));
    const resolved = await resolveSourcePaths([source, source, join(root, 'alias'), `${source}/.`, join(root, 'alias', '..', 'source')]);
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatch(/source$/);
    expect(resolved[0]?.startsWith('/')).toBe(true);
  });

  it('a duplicated path still counts once toward the limit', async () => {
    const file = join(root, 'one.txt');
    writeFileSync(file, '');
    expect(await resolveSourcePaths(Array.from({ length: 1_500 }, () => file))).toHaveLength(1);
  });
});

describe('failures that are not usage errors exit 1', () => {
  it('an unreachable worker API is exit 1 naming the address and what to do', async () => {
    const run = await runCli(['articles', 'list'], offline);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^pressroom articles list: cannot reach the worker's HTTP API at http:\/\/127.0.0.1:1 .*PRESSROOM_API_URL/);
  });
});

describe('options belong to the command they follow', () => {
  it.each([
    [['import', 'status', 'x', '--json'], 'status', { json: true }],
    [['import', 'cancel', '--json', 'x'], 'cancel', { json: true }],
    [['import', '/tmp', '--json', '--wait'], 'import', { json: true, wait: true }],
  ])('%j', async (argv, expected, options) => {
    const { command } = buildProgram({ out: new Output(stringSink(), stringSink()), env: offline });
    const importCommand = command.commands.find((c) => c.name() === 'import')!;
    const seen: Array<{ name: string; options: Record<string, unknown> }> = [];
    for (const c of [importCommand, ...importCommand.commands]) c.action(() => void seen.push({ name: c.name(), options: c.opts() }));
    await command.parseAsync(argv, { from: 'user' });
    expect(seen).toEqual([{ name: expected, options }]);
  });
});
