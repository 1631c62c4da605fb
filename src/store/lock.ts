import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ErrorType, PressroomError } from '../domain/errors.js';

// PGlite has no cross-process lock, and two processes on one data directory corrupt it. This lock
// file is the guard. Every step is atomic:
// - taking a free lock is link(2) of a fully written file onto the lock's name, which fails if the
//   name exists, so the lock never holds a half-written record;
// - a lock is stale only when its holder is proven dead: same boot, and no process with its pid and
//   its start time (a pid alone is reused: a container's worker is PID 1 after every restart), or
//   a reboot since;
// - taking over a stale lock is a lock too: only the process that creates `<lock>.takeover-<token>`
//   (O_EXCL, one winner) may remove the lock, and only while it still holds that token. No holder ever
//   loses its fresh lock to a process that judged an older one stale.

export type LockHolder = {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  /** Unique per acquisition: what a takeover and a release compare. Absent in locks from older versions. */
  token?: string;
  /** /proc/sys/kernel/random/boot_id when the lock was taken (Linux). */
  bootId?: string | null;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22, Linux). */
  startTime?: string | null;
};

export class DataDirLockedError extends PressroomError {
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder,
  ) {
    super(
      ErrorType.DataDirLocked,
      `the database directory is in use by another process (pid ${holder.pid} on ${holder.host}, ` +
        `"${holder.command}", since ${holder.startedAt}); lock file ${lockFile}. ` +
        'Only one process may open an embedded PGlite database: stop that process, point PRESSROOM_DATA_DIR ' +
        'elsewhere, or set DATABASE_URL to share a PostgreSQL server. Retrying will not help while it runs.',
    );
  }
}

export type DirLock = { release(): void };

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

const bootId = (): string | null => readOptional('/proc/sys/kernel/random/boot_id');

/** Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses, so count from the last ')'. */
function processStartTime(pid: number | 'self'): string | null {
  const stat = readOptional(`/proc/${pid}/stat`);
  if (stat === null) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True only when the holder is provably gone; a holder on another host is never provably gone. */
function provablyDead(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  const boot = bootId();
  if (holder.bootId && boot && holder.bootId !== boot) return true;
  if (!Number.isInteger(holder.pid) || holder.pid <= 0 || !processExists(holder.pid)) return true;
  if (holder.startTime && holder.bootId === boot) {
    const now = processStartTime(holder.pid);
    if (now !== null && now !== holder.startTime) return true;
  }
  return false;
}

type Seen = { raw: string; holder: LockHolder | undefined };

function readLock(lockFile: string): Seen | undefined {
  let raw: string;
  try {
    raw = readFileSync(lockFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(raw) as LockHolder;
    return { raw, holder: typeof parsed === 'object' && parsed !== null && typeof parsed.pid === 'number' ? parsed : undefined };
  } catch {
    return { raw, holder: undefined };
  }
}

/** A name derived from what the lock holds, so every process judging the same stale lock competes for the same takeover file. */
function takeoverName(seen: Seen): string {
  const id = seen.holder?.token ?? Buffer.from(seen.raw).toString('base64url').slice(0, 48);
  return id.replace(/[^A-Za-z0-9_-]/g, '_') || 'empty';
}

/** Writes the record beside the lock and links it onto the lock's name: atomic, fails with EEXIST when held. */
function tryCreate(lockFile: string, record: string): boolean {
  const temp = join(dirname(lockFile), `.${basename(lockFile)}.${process.pid}.${randomBytes(6).toString('hex')}`);
  const fd = openSync(temp, 'wx');
  try {
    writeSync(fd, record);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

/** Removes the lock only if it still holds exactly `seen` (a takeover holds the guard, so nobody else can change it meanwhile). */
function removeIfStill(lockFile: string, seen: Seen): void {
  const now = readLock(lockFile);
  if (now?.raw !== seen.raw) return;
  // rename first: a reader never sees a half-removed lock, and unlink of the aside name cannot hit a newer lock.
  const aside = `${lockFile}.stale-${randomBytes(6).toString('hex')}`;
  renameSync(lockFile, aside);
  unlinkSync(aside);
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Takes the lock or throws DataDirLockedError naming the holder. Synchronous, so a caller can hold the
 * directory before it starts anything. A lock left by a dead process is taken over.
 */
export function acquireDirLock(lockFile: string): DirLock {
  mkdirSync(dirname(lockFile), { recursive: true });
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: process.argv.slice(1).join(' '),
    token: randomBytes(16).toString('hex'),
    bootId: bootId(),
    startTime: processStartTime('self'),
  };
  const record = JSON.stringify(me);
  // Each round either takes the lock, finds a live holder, or removes one stale lock; a few rounds
  // (and short pauses while another process finishes a takeover) settle every race.
  for (let round = 0; round < 50; round++) {
    if (tryCreate(lockFile, record)) return ownLock(lockFile, record);
    const seen = readLock(lockFile);
    if (seen === undefined) continue; // released between our link and our read
    if (seen.holder && !provablyDead(seen.holder)) throw new DataDirLockedError(lockFile, seen.holder);
    let guard: DirLock;
    try {
      guard = acquireDirLock(`${lockFile}.takeover-${takeoverName(seen)}`);
    } catch (error) {
      if (!(error instanceof DataDirLockedError)) throw error;
      pause(20); // another live process is taking it over: its lock, or its failure, shows next round
      continue;
    }
    try {
      removeIfStill(lockFile, seen);
    } finally {
      guard.release();
    }
  }
  const last = readLock(lockFile)?.holder;
  throw new DataDirLockedError(lockFile, last ?? { pid: -1, host: 'unknown', startedAt: 'unknown', command: 'unknown (unreadable lock file)' });
}

function ownLock(lockFile: string, record: string): DirLock {
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      // Only our own record: a lock taken over from us (we were judged dead) belongs to someone else now.
      const seen = readLock(lockFile);
      if (seen?.raw === record) removeIfStill(lockFile, seen);
    },
  };
}
