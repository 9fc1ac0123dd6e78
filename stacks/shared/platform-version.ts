import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The platform version every resource is tagged with: `<package version>+<commit>`,
 * `+<commit>.dirty` when the working tree has uncommitted changes, `+dev` outside git.
 * `STRATA_VERSION` overrides it (release pipelines that build from an export).
 */
export function platformVersion(): string {
  const fromEnvironment = process.env.STRATA_VERSION;
  if (fromEnvironment !== undefined && fromEnvironment !== '') return fromEnvironment;
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return `${version}+${gitRevision()}`;
}

function gitRevision(): string {
  try {
    const commit = git('rev-parse', '--short=12', 'HEAD');
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return dirty ? `${commit}.dirty` : commit;
  } catch {
    return 'dev';
  }
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}
