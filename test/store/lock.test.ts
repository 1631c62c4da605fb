import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDirLock, DataDirLockedError } from '../../src/store/lock.js';

// Issue 8 item 12: the PGlite directory lock is atomic, and a lock whose pid was reused (PID 1 in a
// container) is taken over.

const ROUNDS = 200;
const SPACING_MS = 10;

/** Children that each try, at the same instants, to take ROUNDS locks, and hold what they win until all rounds are done. */
async function race(dir: string, children: number): Promise<Array<Array<'won' | 'locked'>>> {
  const startAt = Date.now() + 6_000;
  const script = `
    import { acquireDirLock, DataDirLockedError } from ${JSON.stringify(join(process.cwd(), 'src/store/lock.ts'))};
    const results = [];
    for (let r = 0; r < ${ROUNDS}; r++) {
      const at = ${startAt} + r * ${SPACING_MS};
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, at - Date.now() - 3));
      while (Date.now() < at) {} // the last milliseconds spun, so both racers start within one
      try { acquireDirLock(${JSON.stringify(dir)} + '/lock-' + r); results.push('won'); }
      catch (e) { if (!(e instanceof DataDirLockedError)) throw e; results.push('locked'); }
    }
    console.log(JSON.stringify({ late: Date.now() > ${startAt} + ${ROUNDS * SPACING_MS}, results }));
    // Hold every lock won until the others have surely tried theirs.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  `;
  const runs = Array.from(
    { length: children },
    () =>
      new Promise<Array<'won' | 'locked'>>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('exit', (code) => {
          if (code !== 0) return reject(new Error(`racer exited ${code}: ${err}`));
          resolve((JSON.parse(out.trim().split('\n').at(-1)!) as { results: Array<'won' | 'locked'> }).results);
        });
      }),
  );
  return Promise.all(runs);
}

function winnersPerRound(results: Array<Array<'won' | 'locked'>>): number[] {
  return Array.from({ length: ROUNDS }, (_, r) => results.filter((child) => child[r] === 'won').length);
}

function bootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

describe('PGlite directory lock', () => {
  const root = mkdtempSync(join(tmpdir(), 'pressroom-lock-race-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('two racing openers of a free lock: exactly one wins each round', async () => {
    const dir = join(root, 'free');
    mkdirSync(dir);
    expect(winnersPerRound(await race(dir, 2))).toEqual(Array(ROUNDS).fill(1));
  }, 60_000);

  it('two racing openers of a stale lock (its holder died): exactly one takes it over each round', async () => {
    const dir = join(root, 'stale');
    mkdirSync(dir);
    for (let r = 0; r < ROUNDS; r++) {
      writeFileSync(join(dir, `lock-${r}`), JSON.stringify({ pid: 999_999_999, host: hostname(), startedAt: 'then', command: 'gone' }));
    }
    expect(winnersPerRound(await race(dir, 2))).toEqual(Array(ROUNDS).fill(1));
  }, 60_000);

  it.runIf(existsSync('/proc/1/stat'))('takes over a lock left by a dead "PID 1" whose pid is alive again (another start time or boot)', () => {
    const dir = join(root, 'pid1');
    const lockFile = join(dir, 'pressroom.lock');
    mkdirSync(dir);
    // PID 1 exists here (it always does), but with another start time than the holder had: reused.
    writeFileSync(
      lockFile,
      JSON.stringify({ pid: 1, host: hostname(), startedAt: 'then', command: 'node worker', token: 'old', bootId: bootId(), startTime: '999999999999' }),
    );
    const first = acquireDirLock(lockFile);
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    first.release();
    expect(existsSync(lockFile)).toBe(false);

    // From before a reboot: whatever PID 1 is now, it is not the holder.
    writeFileSync(
      lockFile,
      JSON.stringify({ pid: 1, host: hostname(), startedAt: 'then', command: 'node worker', token: 'old2', bootId: 'another-boot', startTime: '1' }),
    );
    acquireDirLock(lockFile).release();
  });

  it('a live holder, even with the same pid, keeps its lock; the error names it', () => {
    const lockFile = join(root, 'live', 'pressroom.lock');
    const held = acquireDirLock(lockFile);
    expect(() => acquireDirLock(lockFile)).toThrow(DataDirLockedError);
    expect(() => acquireDirLock(lockFile)).toThrow(new RegExp(`pid ${process.pid} on ${hostname()}`));
    held.release();
    acquireDirLock(lockFile).release();
  });

  it('a release never removes a lock that another process took over', () => {
    const lockFile = join(root, 'taken', 'pressroom.lock');
    const mine = acquireDirLock(lockFile);
    const theirs = JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: 'now', command: 'other', token: 'theirs' });
    writeFileSync(lockFile, theirs);
    mine.release();
    expect(readFileSync(lockFile, 'utf8')).toBe(theirs);
  });
});
