/**
 * One run per lake at a time: `strata run` holds `<lake>/_runs/.lock` while
 * it runs. The lock is created exclusively (a complete file linked into
 * place, so a reader never sees it half written) and names its holder: pid,
 * host, start time and run id. A lock whose holder is gone (its pid is dead
 * on this host) or that is older than STALE_AFTER_MS is taken over with a
 * warning; a live one refuses the second run, or makes it wait.
 */
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';

export const LOCK_FILE = '.lock';
/** A lock older than this is stale whoever holds it: no local run lasts six hours. */
export const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly runId: string;
}

export const lockPathOf = (lake: string) => join(lake, '_runs', LOCK_FILE);

const shown = (lake: string) => relative(process.cwd(), lake) || '.';

/** A live run holds the lake. */
export class LakeInUseError extends Error {
  override readonly name = 'LakeInUseError';
  constructor(
    readonly lake: string,
    readonly holder: LockHolder,
  ) {
    super(`lake ${shown(lake)} is in use by run ${holder.runId} (pid ${holder.pid}, started ${holder.startedAt}); wait for it or pass another --lake`);
  }
}

export interface LakeLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Deletes the lock if it is still this run's (idempotent, synchronous: safe in signal handlers). */
  release(): void;
  /** Releases the lock on SIGINT and SIGTERM, then lets the signal do what it would have; returns the undo. */
  releaseOnSignals(): () => void;
}

export interface AcquireOptions {
  readonly runId: string;
  /** Wait for a live holder to finish instead of refusing. @default false */
  readonly wait?: boolean;
  /** How often to look again while waiting. @default 500 */
  readonly pollMs?: number;
  /** Warnings (taking over a stale lock) and the waiting notice. */
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
  /** @default STALE_AFTER_MS */
  readonly staleAfterMs?: number;
}

/** Whether a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): { text: string; holder?: LockHolder } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.startedAt === 'string' && typeof parsed.runId === 'string') {
      return { text, holder: parsed as LockHolder };
    }
  } catch {
    // Not a lock this code wrote: stale below.
  }
  return { text };
}

/** Why a lock is stale, or undefined if its holder may still be running. */
function staleness(holder: LockHolder | undefined, now: Date, staleAfterMs: number): string | undefined {
  if (!holder) return 'it names no holder';
  const age = now.getTime() - Date.parse(holder.startedAt);
  if (!Number.isFinite(age)) return 'its start time is unreadable';
  if (age > staleAfterMs) return `it is ${(age / 3_600_000).toFixed(1)} hours old`;
  if (holder.host === hostname() && !pidAlive(holder.pid)) return `pid ${holder.pid} is no longer running`;
  return undefined;
}

/** Puts `content` at `path` only if nothing is there: true when it did. */
function createExclusive(path: string, content: string): boolean {
  const aside = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(aside, content);
  try {
    linkSync(aside, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(aside, { force: true });
  }
}

/**
 * Removes a stale lock, only if it is still the one judged stale (another run
 * may have taken it over meanwhile): moved aside first, put back if it is not.
 */
function removeStale(path: string, staleText: string): void {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readFileSync(aside, 'utf8');
  if (moved !== staleText) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone created a new lock meanwhile: theirs stands; the one we moved was superseded.
    }
  }
  rmSync(aside, { force: true });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function acquireLakeLock(lake: string, options: AcquireOptions): Promise<LakeLock> {
  const path = lockPathOf(lake);
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => undefined);
  mkdirSync(join(lake, '_runs'), { recursive: true });
  const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: now().toISOString(), runId: options.runId };
  const content = `${JSON.stringify(holder, null, 2)}\n`;
  let waiting = false;
  for (;;) {
    if (createExclusive(path, content)) break;
    const existing = readHolder(path);
    if (!existing) continue; // released between our attempt and the read
    const stale = staleness(existing.holder, now(), options.staleAfterMs ?? STALE_AFTER_MS);
    if (stale !== undefined) {
      const who = existing.holder ? `run ${existing.holder.runId} (pid ${existing.holder.pid} on ${existing.holder.host}, started ${existing.holder.startedAt})` : 'an unreadable holder';
      log(`warning: taking over the stale lock of lake ${shown(lake)} held by ${who}: ${stale}`);
      removeStale(path, existing.text);
      continue;
    }
    if (!options.wait) throw new LakeInUseError(lake, existing.holder!);
    if (!waiting) {
      log(`  ${new LakeInUseError(lake, existing.holder!).message.replace(/; wait for it.*$/, '')}: waiting for it to finish...`);
      waiting = true;
    }
    await sleep(options.pollMs ?? 500);
  }

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    const current = readHolder(path);
    if (current?.text === content) rmSync(path, { force: true });
  };
  return {
    path,
    holder,
    release,
    releaseOnSignals() {
      const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
        const handler = () => {
          release();
          undo();
          // Now without our listener: the signal's default (the process ends by it).
          process.kill(process.pid, signal);
        };
        process.once(signal, handler);
        return [signal, handler] as const;
      });
      const undo = () => {
        for (const [signal, handler] of handlers) process.removeListener(signal, handler);
      };
      return undo;
    },
  };
}
