import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { acquireLakeLock, LakeInUseError, lockPathOf, type LockHolder } from '../../cli/run/lake-lock.ts';
import { REPO_ROOT } from '../../cli/synth-platform.ts';
import { runStrata } from '../support/run-cli.ts';

const work = mkdtempSync(join(tmpdir(), 'strata-lake-lock-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A script that takes the lake's lock as `strata run` does, says so, and holds it until it is signalled. */
const holderScript = join(work, 'hold-lock.mts');
writeFileSync(
  holderScript,
  `import { acquireLakeLock } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'cli', 'run', 'lake-lock.ts')).href)};
const lock = await acquireLakeLock(process.argv[2], { runId: process.argv[3] });
lock.releaseOnSignals();
process.stdout.write('locked\\n');
setInterval(() => undefined, 1000);
`,
);

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts a process holding the lake's lock; resolves once it holds it. */
async function holdLock(lake: string, runId: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, lake, runId], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => String(chunk).includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited ${code}: ${stderr}`)));
  });
  return child;
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function writeLock(lake: string, holder: LockHolder): void {
  mkdirSync(join(lake, '_runs'), { recursive: true });
  writeFileSync(lockPathOf(lake), JSON.stringify(holder));
}

describe('the lake lock', () => {
  it('writes the holder into <lake>/_runs/.lock and removes it on release', async () => {
    const lake = join(work, 'plain');
    const lock = await acquireLakeLock(lake, { runId: 'run-a' });
    const written = JSON.parse(readFileSync(join(lake, '_runs', '.lock'), 'utf8')) as LockHolder;
    expect(written).toMatchObject({ pid: process.pid, host: hostname(), runId: 'run-a' });
    expect(Date.parse(written.startedAt)).not.toBeNaN();
    await expect(acquireLakeLock(lake, { runId: 'run-b' })).rejects.toBeInstanceOf(LakeInUseError);
    lock.release();
    expect(existsSync(lockPathOf(lake))).toBe(false);
    (await acquireLakeLock(lake, { runId: 'run-c' })).release();
  });

  it('refuses a second run while another process holds it, naming the run, its pid and start', async () => {
    const lake = join(work, 'held');
    const child = await holdLock(lake, 'run-holder');
    const error = await acquireLakeLock(lake, { runId: 'run-second' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LakeInUseError);
    expect((error as Error).message).toMatch(
      new RegExp(`^lake \\S+ is in use by run run-holder \\(pid ${child.pid}, started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); wait for it or pass another --lake$`),
    );
  });

  it('makes `strata run` on a held lake exit 2 with that one line', async () => {
    const lake = join(work, 'held-cli');
    const child = await holdLock(lake, 'run-holder-cli');
    const result = runStrata(['run', '--lake', lake, '--flows', 'process']);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr.trim()).toMatch(new RegExp(`^lake \\S+ is in use by run run-holder-cli \\(pid ${child.pid}, started [^)]+\\); wait for it or pass another --lake$`));
    expect(existsSync(lockPathOf(lake))).toBe(true);
  });

  it('waits with wait: true until the holder is gone (released on SIGTERM)', async () => {
    const lake = join(work, 'wait');
    const child = await holdLock(lake, 'run-first');
    const lines: string[] = [];
    let acquired = false;
    const second = acquireLakeLock(lake, { runId: 'run-waiting', wait: true, pollMs: 50, log: (line) => lines.push(line) }).then((lock) => {
      acquired = true;
      return lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(acquired).toBe(false);
    expect(lines.join('\n')).toMatch(/in use by run run-first .*waiting for it to finish/);
    child.kill('SIGTERM');
    await exited(child);
    expect(child.signalCode).toBe('SIGTERM');
    const lock = await second;
    expect(lines.some((line) => /stale/.test(line))).toBe(false); // released by the holder, not taken over
    expect((JSON.parse(readFileSync(lockPathOf(lake), 'utf8')) as LockHolder).runId).toBe('run-waiting');
    lock.release();
  });

  it('takes over the lock of a killed run (pid dead) with a warning', async () => {
    const lake = join(work, 'killed');
    const child = await holdLock(lake, 'run-killed');
    child.kill('SIGKILL');
    await exited(child);
    expect(existsSync(lockPathOf(lake))).toBe(true);
    const lines: string[] = [];
    const lock = await acquireLakeLock(lake, { runId: 'run-after', log: (line) => lines.push(line) });
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^warning: taking over the stale lock of lake \\S+ held by run run-killed \\(pid ${child.pid} .*: pid ${child.pid} is no longer running$`))]);
    expect((JSON.parse(readFileSync(lockPathOf(lake), 'utf8')) as LockHolder).runId).toBe('run-after');
    lock.release();
  });

  it('takes over a lock naming a dead pid, and one older than 6 hours even if its pid lives', async () => {
    const lake = join(work, 'stale');
    writeLock(lake, { pid: deadPid(), host: hostname(), startedAt: new Date().toISOString(), runId: 'run-dead' });
    const lines: string[] = [];
    (await acquireLakeLock(lake, { runId: 'run-1', log: (line) => lines.push(line) })).release();
    expect(lines[0]).toMatch(/stale lock .* run-dead .*no longer running/);

    writeLock(lake, { pid: process.pid, host: hostname(), startedAt: new Date(Date.now() - 7 * 3_600_000).toISOString(), runId: 'run-old' });
    lines.length = 0;
    (await acquireLakeLock(lake, { runId: 'run-2', log: (line) => lines.push(line) })).release();
    expect(lines[0]).toMatch(/stale lock .* run-old .*: it is 7\.0 hours old/);

    // A live pid, younger than 6 hours: not stale.
    writeLock(lake, { pid: process.pid, host: hostname(), startedAt: new Date(Date.now() - 5 * 3_600_000).toISOString(), runId: 'run-young' });
    await expect(acquireLakeLock(lake, { runId: 'run-3' })).rejects.toThrow(/in use by run run-young/);
    rmSync(lockPathOf(lake));
  });

  it('release leaves a lock that is no longer its own', async () => {
    const lake = join(work, 'superseded');
    const lock = await acquireLakeLock(lake, { runId: 'run-mine' });
    writeLock(lake, { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), runId: 'run-theirs' });
    lock.release();
    expect((JSON.parse(readFileSync(lockPathOf(lake), 'utf8')) as LockHolder).runId).toBe('run-theirs');
  });
});
