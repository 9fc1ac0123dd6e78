/**
 * cfn-lint (https://github.com/aws-cloudformation/cfn-lint), the real
 * CloudFormation linter, run on template files with the repository's
 * `.cfnlintrc.yaml`. Nothing is skipped: without `cfn-lint` on the PATH
 * (pip install cfn-lint) the calling test fails with a message saying so.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../cli/synth-platform.ts';

/** One finding, as `cfn-lint --format json` reports it. */
export interface CfnLintMatch {
  readonly Filename: string;
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path: readonly (string | number)[] };
}

export const CFN_LINT_CONFIG = join(REPO_ROOT, '.cfnlintrc.yaml');

/** Lints `templates` for `region`; resolves with every finding (cfn-lint exits non-zero when there are any). */
export async function cfnLint(templates: readonly string[], region: string): Promise<CfnLintMatch[]> {
  try {
    const { stdout } = await promisify(execFile)('cfn-lint', ['--format', 'json', '--config-file', CFN_LINT_CONFIG, '--regions', region, '--', ...templates], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(stdout || '[]') as CfnLintMatch[];
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (failed.code === 'ENOENT') throw new Error('cfn-lint is not on the PATH: install it (pip install cfn-lint) to run these tests');
    // Exit codes 2, 4 and 8 (and their sums) mean findings: the JSON is on stdout.
    if (typeof failed.stdout === 'string' && failed.stdout.trim().startsWith('[')) return JSON.parse(failed.stdout) as CfnLintMatch[];
    throw new Error(`cfn-lint failed: ${failed.stderr ?? String(error)}`);
  }
}

/** A finding in one line: `E3002 strata-dev-storage Resources/Bucket/Properties: message`. */
export function describeMatch(match: CfnLintMatch): string {
  const file = match.Filename.slice(match.Filename.lastIndexOf('/') + 1).replace(/\.template\.json$/, '');
  return `${match.Rule.Id} ${file} ${match.Location.Path.join('/')}: ${match.Message}`;
}
