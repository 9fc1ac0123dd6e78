/**
 * Where a side of the plan comes from: a folder that already holds a synth,
 * or a git ref synthesized in a temporary worktree (with this checkout's
 * node_modules linked in, since CI has no network), always cleaned up.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { ConfigError, loadEnvironment, type LoadedEnvironment } from '../../config/load-environment.ts';
import { LineReader } from '../../stacks/shared/synth-progress.ts';
import { isSynthStepStart, REPO_ROOT } from '../synth-platform.ts';
import { folderEnvironment } from '../synthesized/folder-environment.ts';
import { UsageError } from '../usage-error.ts';
import type { PlanSide } from './plan.ts';
import { readSynthOutput } from '../synthesized/synth-output.ts';

export class GitSynthError extends Error {
  override name = 'GitSynthError';
}

export interface SideOptions {
  /** Environment name for git refs and for pricing folders. */
  readonly env?: string;
  /** Environment file to price a folder side with. */
  readonly config?: string;
  /** Where progress lines go (a git ref's synth takes a while). @default - nowhere */
  readonly log?: (line: string) => void;
}

/**
 * Refuses a side that is neither a folder holding a synth nor a git ref of
 * this repository: checked for both sides before either is synthesized.
 */
export function checkSide(spec: string, flag: string): void {
  const dir = resolve(spec);
  // A folder with no synth in it is a side with nothing deployed (the plan of a first deploy).
  if (existsSync(dir) && statSync(dir).isDirectory()) return;
  if (!isGitRef(spec)) throw new UsageError(`${flag} ${spec}: neither a folder (holding cdk.out/ and cdktf.out/) nor a git ref of this repository`);
}

/** A side the caller has checked with checkSide: a folder is read, a git ref synthesized. */
export async function resolveSide(spec: string, flag: string, options: SideOptions): Promise<PlanSide> {
  const dir = resolve(spec);
  if (existsSync(dir) && statSync(dir).isDirectory()) {
    const output = readSynthOutput(dir);
    return { label: spec, output, environment: folderEnvironment(spec, flag, output, { ...options, envOnlyWithoutRecord: true }) };
  }
  const env = options.env ?? 'dev';
  const log = options.log ?? (() => {});
  const started = performance.now();
  log(`  ${flag} ${spec}: synthesizing environment ${options.config ?? env} in a temporary worktree...`);
  const side = await synthesizeRef(spec, env, options.config, (line) => log(`  ${flag} ${spec}: ${line}`));
  log(`  ${flag} ${spec}: synthesized in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (side.environmentProblem) log(`warning: ${flag} ${spec}: ${side.environmentProblem}; the resources are compared, the cost delta is left out (price it with ${flag}-config <file>)`);
  return side;
}

function isGitRef(ref: string): boolean {
  return spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: REPO_ROOT, encoding: 'utf8' }).status === 0;
}

async function synthesizeRef(ref: string, env: string, config: string | undefined, onProgress: (line: string) => void): Promise<PlanSide> {
  const scratch = mkdtempSync(join(tmpdir(), 'strata-plan-'));
  const tree = join(scratch, 'tree');
  const out = join(scratch, 'out');
  const git = (...args: string[]) => spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  try {
    const added = git('worktree', 'add', '--detach', tree, ref);
    if (added.status !== 0) throw new GitSynthError(`git worktree add for ${ref} failed:\n${added.stderr.trim()}`);
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
    const environmentArgs = config !== undefined ? ['--config', resolve(config)] : ['--env', env];
    await run(join(tree, 'bin', 'strata.mjs'), ['synth', ...environmentArgs, '--outdir', out], tree, ref, onProgress);
    const output = readSynthOutput(out);
    if (config !== undefined) return { label: ref, output, environment: loadEnvironment({ config }) };
    // That ref's own environment file: a sizing change in the pull request is priced as written there. An older
    // ref's file may not pass this checkout's schema (a key since renamed): its code synthesized it, so the
    // resources still compare; only the price needs a file this checkout reads.
    try {
      const environment = loadEnvironment({ config: join(tree, 'config', 'environments', `${env}.yaml`) });
      return { label: ref, output, environment: { ...environment, file: `${ref}:config/environments/${env}.yaml` } };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // The message names the file as loadEnvironment shows it: absolute, or relative to where plan runs.
      const folder = join(tree, 'config', 'environments');
      const problem = error.message.split('\n')[0]!.replace(folder, `${ref}:config/environments`).replace(relative(process.cwd(), folder), `${ref}:config/environments`);
      return { label: ref, output, environmentProblem: `its environment file does not pass this checkout's schema (${problem})` };
    }
  } finally {
    git('worktree', 'remove', '--force', tree);
    rmSync(scratch, { recursive: true, force: true });
    git('worktree', 'prune');
  }
}

function run(entry: string, args: string[], cwd: string, ref: string, onProgress: (line: string) => void): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const lines = new LineReader((line) => isSynthStepStart(line) && onProgress(line.trim()));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      lines.push(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new GitSynthError(`synth of ${ref} failed:\n${output.trim()}`))));
  });
}
