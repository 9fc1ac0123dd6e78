import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { costContext, usageFor } from '../cost/cost.ts';
import { USAGE_PROFILES } from '../cost/usage.ts';
import { parseOptions } from '../parse-options.ts';
import { renderMarkdown, summaryLine } from '../plan/markdown.ts';
import { FAIL_ON, type AttentionKind } from '../plan/model.ts';
import { buildPlan } from '../plan/plan.ts';
import { checkSide, GitSynthError, resolveSide } from '../plan/sources.ts';
import { requireFileTarget } from '../path-checks.ts';
import { readSynthRecord } from '../synthesized/folder-environment.ts';
import { UsageError } from '../usage-error.ts';

const USAGE = `Usage: strata plan --base <dir|git ref> --head <dir|git ref> [--env <name>] [--out plan.md] [--json plan.json]
                   [--fail-on ${FAIL_ON.slice(0, 3).join(',')}] [--base-config <file>] [--head-config <file>] [--usage <profile>]

Compares two synthesized platforms, offline and without credentials, and writes a
Markdown report for a pull request: counts and the monthly cost delta first, then
what needs attention (stateful destroys and replacements, IAM widening, public
exposure, new cdk-nag findings), then each stack's changes, folded.

A folder holds cdk.out/ and cdktf.out/ (as \`strata synth --outdir\` writes them;
an empty folder is an empty platform). A git ref is synthesized in a temporary
worktree with that ref's own code and environment file.

Options:
  --base, --head         what to compare (required)
  --env <name>           environment to synthesize git refs with, and to price folders with
                         (default: dev for git refs, the environment the folder was synthesized for,
                         which --env, --base-config and --head-config may only agree with)
  --base-config <file>   environment file to price (or synthesize) the base with; likewise --head-config
  --usage <name>         usage profile for the cost delta: ${USAGE_PROFILES.join(', ')} or a file
                         (default: the one the folders were synthesized with, else medium)
  --out <file>           write the Markdown there (default: print it)
  --json <file>          write the full plan as JSON (never trimmed)
  --fail-on <kinds>      exit 1 when the plan has any of: ${FAIL_ON.join(', ')}`;

export const planCommand = {
  summary: 'compare two synths (folders or git refs): risks first, per-stack changes, monthly cost delta',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const options = parseOptions(argv, {
      base: { type: 'string' },
      head: { type: 'string' },
      env: { type: 'string' },
      'base-config': { type: 'string' },
      'head-config': { type: 'string' },
      usage: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'string' },
      'fail-on': { type: 'string' },
    });
    if (options.base === undefined) throw new UsageError('--base <dir|git ref> is required');
    if (options.head === undefined) throw new UsageError('--head <dir|git ref> is required');
    const failOn = (options['fail-on'] ?? '')
      .split(',')
      .map((kind) => kind.trim())
      .filter(Boolean);
    const unknown = failOn.filter((kind) => !(FAIL_ON as readonly string[]).includes(kind));
    if (unknown.length > 0) throw new UsageError(`--fail-on ${unknown.join(',')}: unknown; allowed: ${FAIL_ON.join(', ')}`);

    checkSide(options.base, '--base');
    checkSide(options.head, '--head');
    for (const [flag, file] of [['--out', options.out], ['--json', options.json]] as const) if (file !== undefined) requireFileTarget(flag, file);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const folders = (
      [
        ['--base', options.base],
        ['--head', options.head],
      ] as const
    ).flatMap(([flag, spec]) => (isFolder(spec) ? [{ flag, spec, usage: readSynthRecord(resolve(spec))?.usage }] : []));
    const context = costContext(usageFor(options.usage, folders, log));
    log(`strata plan: ${options.base} -> ${options.head}`);
    let plan;
    try {
      const [base, head] = await Promise.all([
        resolveSide(options.base, '--base', { env: options.env, config: options['base-config'], log }),
        resolveSide(options.head, '--head', { env: options.env, config: options['head-config'], log }),
      ]);
      plan = buildPlan(base, head, context);
    } catch (error) {
      if (!(error instanceof GitSynthError)) throw error;
      console.error(`strata plan: ${error.message}`);
      return 1;
    }
    for (const warning of context.warnings) console.error(warning);

    const markdown = renderMarkdown(plan);
    if (options.json !== undefined) write(options.json, `${JSON.stringify(plan, null, 2)}\n`);
    if (options.out !== undefined) {
      write(options.out, markdown);
      console.log(`${summaryLine(plan).replace(/\*\*/g, '')}\nwrote ${options.out} (${markdown.length} characters)${options.json ? ` and ${options.json}` : ''}`);
    } else process.stdout.write(markdown);

    const failing = failOn.map((kind) => [kind, plan.attention.filter((item) => item.kind === (kind as AttentionKind)).length] as const).filter(([, count]) => count > 0);
    if (failing.length > 0) {
      console.error(`strata plan: failing as --fail-on asks: ${failing.map(([kind, count]) => `${count} ${kind}`).join(', ')}`);
      return 1;
    }
    return 0;
  },
};

function isFolder(spec: string): boolean {
  const dir = resolve(spec);
  return existsSync(dir) && statSync(dir).isDirectory();
}

function write(file: string, text: string): void {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  writeFileSync(file, text);
}
