import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadEnvironment, type LoadedEnvironment } from '../../config/load-environment.ts';
import { costContext, estimateFor, usageFor } from '../cost/cost.ts';
import { money, signedMoney } from '../format/money.ts';
import { compareEstimates, renderComparison, renderEstimate } from '../cost/render.ts';
import { USAGE_PROFILES } from '../cost/usage.ts';
import { parseOptions } from '../parse-options.ts';
import { folderEnvironment, readSynthRecord } from '../synthesized/folder-environment.ts';
import { readSynthOutput, hasSynthOutput, type SynthOutput } from '../synthesized/synth-output.ts';
import { CLOUD_NAMES, synthPlatform, SynthError } from '../synth-platform.ts';
import { requireFolder } from '../path-checks.ts';
import { UsageError } from '../usage-error.ts';

const USAGE = `Usage: strata cost [--env <name> | --config <file>] [--usage small|medium|large|<file>] [--vs <file>] [--json]
                   [--from <dir>] [--vs-from <dir>] [--all]

Estimates the monthly bill of an environment on both clouds, per component:
sizing from the environment file, usage from a profile (config/usage/), prices
from the dated book (config/prices/), and which components exist from the
synthesized templates. Every line shows its formula; ranges (autoscale, scan
cut-off, training runtime) show min and max.

Options:
  --env <name>      an environment in config/environments/ (default: dev)
  --config <file>   an environment file anywhere (wins over --env)
  --usage <name>    usage profile: ${USAGE_PROFILES.join(', ')} or a profile file
                    (default: the one --from was synthesized with, else medium)
  --vs <file>       a second environment file (e.g. your edited copy): each line's delta
  --json            print the estimate as JSON instead of text
  --from <dir>      read the synthesized output (cdk.out/, cdktf.out/) from <dir> instead of synthesizing;
                    priced with the environment it was synthesized from (--env / --config may only agree)
  --vs-from <dir>   the same for --vs
  --all             with --vs: every line, not only those that changed`;

export const costCommand = {
  summary: 'estimate the monthly cost of an environment per component, with formulas; --vs compares two',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const options = parseOptions(argv, {
      env: { type: 'string' },
      config: { type: 'string' },
      usage: { type: 'string' },
      vs: { type: 'string' },
      json: { type: 'boolean' },
      from: { type: 'string' },
      'vs-from': { type: 'string' },
      all: { type: 'boolean' },
    });
    if (options.all !== undefined && options.vs === undefined) throw new UsageError('--all applies to --vs <file>: it shows the unchanged lines too');
    if (options['vs-from'] !== undefined && options.vs === undefined) throw new UsageError('--vs-from needs --vs <file>');
    for (const [flag, dir] of [['--from', options.from], ['--vs-from', options['vs-from']]] as const) if (dir !== undefined) requireSynthOutput(flag, dir);
    const json = options.json ?? false;
    const warn = (line: string) => process.stderr.write(`${line}\n`);
    // A synthesized folder is priced with what it was synthesized from (strata-synth.json): its environment, which a flag may
    // only agree with, and its usage profile, which --usage may replace.
    const folders = (
      [
        ['--from', options.from],
        ['--vs-from', options['vs-from']],
      ] as const
    ).flatMap(([flag, spec]) => (spec === undefined ? [] : [{ flag, spec, usage: readSynthRecord(resolve(spec))?.usage }]));
    const context = costContext(usageFor(options.usage, folders, warn));
    const fromOutput = options.from === undefined ? undefined : readSynthOutput(resolve(options.from));
    const vsFromOutput = options['vs-from'] === undefined ? undefined : readSynthOutput(resolve(options['vs-from']));
    const base = (fromOutput ? folderEnvironment(options.from!, '--from', fromOutput, { env: options.env, config: options.config }) : undefined) ?? loadEnvironment({ env: options.env, config: options.config });
    const vs =
      options.vs === undefined
        ? undefined
        : ((vsFromOutput ? folderEnvironment(options['vs-from']!, '--vs-from', vsFromOutput, { config: options.vs, configFlag: '--vs' }) : undefined) ?? loadEnvironment({ config: options.vs }));

    const scratch: string[] = [];
    try {
      const [baseSynth, vsSynth] = await Promise.all([
        fromOutput ?? synthesized(base, scratch),
        vs ? (vsFromOutput ?? synthesized(vs, scratch)) : Promise.resolve(undefined),
      ]);
      const baseEstimate = estimateFor(context, base, baseSynth);
      const vsEstimate = vs && vsSynth ? estimateFor(context, vs, vsSynth) : undefined;
      for (const warning of context.warnings) console.error(warning);
      const notes = [...baseEstimate.notes, ...(vsEstimate?.notes ?? [])];
      if (json) {
        console.log(
          JSON.stringify(
            {
              environment: { name: base.environment.name, file: base.file },
              usage: { name: context.usage.name, file: context.usage.file },
              prices: { files: context.book.files, oldestRead: context.book.oldestRead },
              warnings: context.warnings,
              notes,
              estimate: baseEstimate,
              ...(vsEstimate && vs ? { vs: { environment: { name: vs.environment.name, file: vs.file }, estimate: vsEstimate, deltas: compareEstimates(baseEstimate, vsEstimate).map(({ id, cloud, component, delta }) => ({ id, cloud, component, delta })) } } : {}),
            },
            null,
            2,
          ),
        );
        return 0;
      }
      const header = [
        `strata cost: environment ${base.environment.name} (${base.file})${vs ? ` vs ${vs.environment.name} (${vs.file})` : ''}, usage ${context.usage.name} (${context.usage.file})`,
        `prices: ${context.book.files.join(', ')}, read ${context.book.oldestRead} or later; list prices without free tiers or discounts`,
      ];
      const body = vsEstimate ? renderComparison(baseEstimate, vsEstimate, { all: options.all ?? false }) : renderEstimate(baseEstimate);
      const total = (e: typeof baseEstimate) => e.clouds.reduce((s, c) => s + c.total.expected, 0);
      const footer = vsEstimate
        ? `total, both clouds: ${money(total(baseEstimate))} -> ${money(total(vsEstimate))}  ${signedMoney(total(vsEstimate) - total(baseEstimate))}`
        : `total, both clouds: ${money(total(baseEstimate))}`;
      console.log([...header, ...body, '', footer, ...[...new Set(notes)].map((note) => `note: ${note}`)].join('\n'));
      return 0;
    } catch (error) {
      if (!(error instanceof SynthError)) throw error;
      console.error(error.message);
      return 1;
    } finally {
      for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** The synthesized output of an environment, synthesized into a temporary folder (no --from). */
async function synthesized(loaded: LoadedEnvironment, scratch: string[]): Promise<SynthOutput> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-cost-'));
  scratch.push(dir);
  const started = performance.now();
  // Which components exist is read from the synthesized templates; that synth is most of the command's time.
  process.stderr.write(`strata cost: synthesizing ${loaded.file} to read which components it deploys...\n`);
  await synthPlatform({ config: loaded.path, outdir: dir, onCloudDone: (cloud, seconds) => process.stderr.write(`  ${CLOUD_NAMES[cloud]} synthesized in ${seconds.toFixed(1)} s\n`) });
  process.stderr.write(`strata cost: ${loaded.file} synthesized in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return readSynthOutput(dir);
}

function requireSynthOutput(flag: string, from: string): void {
  requireFolder(flag, from);
  if (!hasSynthOutput(resolve(from))) throw new UsageError(`${flag} ${from}: holds no cdk.out/ or cdktf.out/; run \`strata synth --outdir ${from}\` first`);
}
