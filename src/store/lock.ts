import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

// PGlite has no cross-process lock, and two processes on one data directory corrupt it. This lock
// file is the guard: created with O_EXCL, holding the owner's pid, host and start time.

export type LockHolder = { pid: number; host: string; startedAt: string; command: string };

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the database directory is in use by another process (pid ${holder.pid} on ${holder.host}, ` +
        `"${holder.command}", since ${holder.startedAt}); lock file ${lockFile}. ` +
        'Only one process may open an embedded PGlite database: stop that process, point PRESSROOM_DATA_DIR ' +
        'elsewhere, or set DATABASE_URL to share a PostgreSQL server. Retrying will not help while it runs.',
    );
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(lockFile: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(lockFile, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

export type DirLock = { release(): void };

/** Takes the lock or throws DataDirLockedError naming the holder. A lock left by a dead process on this host is taken over. */
export function acquireDirLock(lockFile: string): DirLock {
  mkdirSync(dirname(lockFile), { recursive: true });
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: process.argv.slice(1).join(' ') };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          const holder = readHolder(lockFile);
          if (holder?.pid === me.pid && holder.host === me.host) unlinkSync(lockFile);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(lockFile);
      // A crashed process (SIGKILL) leaves its lock behind; on the same host we can prove it is dead.
      const stale = holder === undefined || (holder.host === me.host && !processAlive(holder.pid));
      if (!stale) throw new DataDirLockedError(lockFile, holder);
      try {
        unlinkSync(lockFile);
      } catch {
        // Another process may have removed it first; the next attempt decides.
      }
    }
  }
  throw new DataDirLockedError(lockFile, readHolder(lockFile) ?? { pid: -1, host: 'unknown', startedAt: 'unknown', command: 'unknown' });
}
