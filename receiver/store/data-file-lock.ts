// One writer per data file. Two receivers on one DATA_FILE each replay and checkpoint the journal and delete the
// segments the other is still appending to, losing acknowledged webhooks; so the first thing a receiver does, before
// it reads the secret key, the state file, the journal or the record log, is to take `<DATA_FILE>.lock`.
//
// Why a pid file and not a library or flock: flock(2) needs a native module, which we do not ship. proper-lockfile
// (mkdir + an mtime heartbeat) declares a lock stale when its holder has not refreshed it for `stale` ms, so a holder
// whose event loop stalls that long (a large checkpoint, a record-log compaction, a GC pause under load) has its lock
// taken while it is still writing, and a receiver restarted right after a SIGKILL has to wait out the stale period.
// Here the lock file is created exclusively (link(2), which fails if it exists) and holds the holder's pid and the
// start time the kernel gives that process (Linux /proc/<pid>/stat): while the holder lives nothing can take the
// lock; once it has died (SIGKILL included) the next start sees at once that the pid is gone, or belongs to a process
// started at another time (pid reuse; in a container the receiver is often pid 1 on every start), and takes it over.
// Limit: liveness is judged in this machine's pid namespace. Two containers with separate pid namespaces must not
// share one data volume; the README says so.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync, linkSync, fsyncSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { procStatFields } from '../lib/proc-stat';
import { z } from 'zod';

export function lockFileFor(dataFile: string): string {
  return `${dataFile}.lock`;
}

const holderSchema = z.object({
  pid: z.number().int().positive(),
  /** Clock ticks after boot at which the process started (field 22 of /proc/<pid>/stat); null where unknown. */
  startTime: z.string().nullable(),
  host: z.string(),
  since: z.string(),
});
type Holder = z.infer<typeof holderSchema>;

export class DataFileLockedError extends Error {
  constructor(
    readonly dataFile: string,
    readonly lockFile: string,
    readonly holder: Holder,
  ) {
    super(
      `${dataFile} is in use by another receiver (pid ${holder.pid} on ${holder.host}, since ${holder.since}; lock file ${lockFile}). ` +
        'Only one receiver may run per DATA_FILE: stop that process first, or give this one its own DATA_FILE.',
    );
    this.name = 'DataFileLockedError';
  }
}

export class DataFileLockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFileLockError';
  }
}

export interface DataFileLock {
  readonly file: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/** Locks this process holds, so that a second open in the same process is refused too (not taken for stale). */
const heldHere = new Set<string>();

interface ProcessStat {
  /** R, S, D, Z (zombie: dead, not yet reaped by its parent), X (dead), ... */
  state: string;
  /** Clock ticks after boot at which the process started. */
  startTime: string;
}

function statOf(pid: number): ProcessStat | null {
  const fields = procStatFields(pid);
  return fields ? { state: fields[0] ?? '', startTime: fields[19] ?? '' } : null; // fields 3 and 22 overall
}

const startTimeOf = (pid: number) => statOf(pid)?.startTime ?? null;

function isAlive(holder: Holder): boolean {
  if (holder.pid === process.pid) return false; // not in heldHere: an earlier process that had our pid
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to another user; it may well be a receiver.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = statOf(holder.pid);
  if (stat === null) return true; // no /proc (not Linux): the pid exists, so assume it is the holder
  // A zombie still answers kill(pid, 0) until its parent reaps it, but it holds no file open and writes nothing:
  // right after a SIGKILL, before the supervisor has reaped it, the next start must not wait for it.
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return holder.startTime === null || stat.startTime === holder.startTime;
}

function readHolder(file: string): Holder | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  try {
    const parsed = holderSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/**
 * Creates the lock file with its content in one step: written and fsync'd under a private name, then hard-linked
 * to the lock's name, which fails if the lock exists. A crash can therefore never leave an empty lock file.
 */
function writeExclusive(file: string, holder: Holder): boolean {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(holder));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== undefined && NO_HARD_LINKS.has(code)) return createExclusive(file, holder);
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

/** What link(2) answers on file systems without hard links (some network and FUSE mounts). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** O_EXCL where hard links are missing: a crash between create and write can leave an empty lock (named as such). */
function createExclusive(file: string, holder: Holder): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(holder));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** How long a start keeps trying while other starting processes take the lock over (each step takes microseconds). */
const TAKEOVER_PATIENCE_MS = 5_000;

/**
 * Takes the lock of `dataFile` or throws DataFileLockedError naming the live holder. A lock left by a dead process
 * is taken over. Creates the data file's directory if needed, and nothing else.
 */
export async function acquireDataFileLock(dataFile: string): Promise<DataFileLock> {
  const file = lockFileFor(dataFile);
  if (heldHere.has(file)) {
    throw new DataFileLockedError(dataFile, file, { pid: process.pid, startTime: null, host: hostname(), since: 'earlier in this process' });
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const me: Holder = { pid: process.pid, startTime: startTimeOf(process.pid), host: hostname(), since: new Date().toISOString() };
  const giveUpAt = Date.now() + TAKEOVER_PATIENCE_MS;
  while (Date.now() < giveUpAt) {
    if (writeExclusive(file, me)) {
      heldHere.add(file);
      return ownedLock(file, me);
    }
    const holder = readHolder(file);
    if (holder === 'missing') continue; // released between our create and our read
    if (holder === 'unreadable') {
      // The lock is created with its content (see writeExclusive), so a receiver did not write this one (except on a
      // file system without hard links, where a crash between create and write can leave it empty).
      throw new DataFileLockError(
        `${file} exists but does not name a receiver process. If no receiver is running on ${dataFile}, delete ${file} and start again.`,
      );
    }
    if (isAlive(holder)) throw new DataFileLockedError(dataFile, file, holder);
    if (!removeIfStillStale(file, holder, me)) await sleep(2);
  }
  throw new DataFileLockError(`could not take ${file}: other processes keep taking it; is more than one receiver starting on ${dataFile}?`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sameHolder = (a: Holder, b: Holder) => a.pid === b.pid && a.since === b.since && a.startTime === b.startTime;

/**
 * Deletes a dead holder's lock, or returns false if another starting process is doing so right now (try again).
 *
 * Why a guard: unlink(2) and rename(2) act on a name, not on the file the caller looked at, so two processes that both
 * judged the same lock stale could each remove it, the slower one removing the lock the faster one had just created
 * (two winners). Only the holder of `<lock>.takeover` may remove a stale lock, and it checks under the guard that the
 * lock is still the stale one. Nothing else can replace that file meanwhile: a lock is only ever created where none
 * exists, and only its owner releases it. The guard is held for one synchronous step, so a guard whose holder is dead
 * (a crash inside that step) is simply deleted; two processes breaking a dead guard at once is the one case left.
 */
function removeIfStillStale(file: string, stale: Holder, me: Holder): boolean {
  const guard = `${file}.takeover`;
  if (!writeExclusive(guard, me)) {
    const guardHolder = readHolder(guard);
    if (guardHolder === 'unreadable' || (typeof guardHolder === 'object' && !isAlive(guardHolder))) unlinkIfPresent(guard);
    return false;
  }
  try {
    const current = readHolder(file);
    if (typeof current === 'object' && sameHolder(current, stale)) unlinkIfPresent(file);
  } finally {
    unlinkIfPresent(guard);
  }
  return true;
}

function unlinkIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function ownedLock(file: string, me: Holder): DataFileLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    heldHere.delete(file);
    process.removeListener('exit', release);
    const holder = readHolder(file);
    // Only our own lock: never remove one a later process holds after someone deleted ours by hand.
    if (typeof holder === 'object' && holder.pid === me.pid && holder.since === me.since) {
      try {
        unlinkSync(file);
      } catch {
        // Already gone: nothing to release.
      }
    }
  };
  // A crash that still runs exit handlers (an uncaught error, process.exit) releases at once; SIGKILL leaves the
  // file, which the next start recognises as stale.
  process.on('exit', release);
  return { file, release };
}
