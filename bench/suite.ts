/**
 * npm run bench:suite: the wall time of `npm test` as the README runs it (tsc, then vitest), each part
 * timed, and vitest's own Duration line. Target (issue #15): at most 180 s on two cores.
 *
 *   npm run bench:suite [-- --runs 3] [--record]   (--record: into docs/benchmarks.md)
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../cli/synth-platform.ts';
import { parseBenchOptions, wholeNumberOption } from './options.ts';
import { startRecording } from './record.ts';

const TARGET_SECONDS = 180;

const { values } = parseBenchOptions('suite', () => parseArgs({ options: { runs: { type: 'string', default: '1' }, record: { type: 'boolean', default: false } } }));
const runs = wholeNumberOption('suite', '--runs', values.runs);
const recording = startRecording('suite', values.record);

interface SuiteRun {
  tsc: number;
  vitest: number;
  total: number;
  summary: string;
}

function timed(command: string, args: string[]): { seconds: number; output: string } {
  const started = performance.now();
  // Colour off: tinyrainbow (vitest's colours) turns them on for any FORCE_COLOR, even 0.
  const { FORCE_COLOR: _forced, ...env } = process.env;
  const result = spawnSync(command, args, { cwd: REPO_ROOT, encoding: 'utf8', env: { ...env, NO_COLOR: '1' }, maxBuffer: 256 * 2 ** 20 });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${(result.stdout + result.stderr).slice(-4000)}`);
  return { seconds, output: result.stdout + result.stderr };
}

const results: SuiteRun[] = [];
for (let index = 0; index < runs; index++) {
  const tsc = timed('npx', ['tsc', '-p', '.']);
  const vitest = timed('npx', ['vitest', 'run']);
  const summary = ['Test Files', 'Tests', 'Duration'].map((label) => vitest.output.split('\n').find((line) => line.trim().startsWith(label))?.trim().replace(/\s+/g, ' ') ?? '').join('; ');
  results.push({ tsc: tsc.seconds, vitest: vitest.seconds, total: tsc.seconds + vitest.seconds, summary });
  process.stdout.write(`  run ${index + 1}/${runs}: ${(tsc.seconds + vitest.seconds).toFixed(1)} s\n`);
}

const median = (pick: (run: SuiteRun) => number) => results.map(pick).sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
console.log(`bench:suite: npm test (tsc -p . && vitest run), ${runs} run(s), median`);
console.log('');
console.log('| part | wall time |');
console.log('|---|---:|');
console.log(`| tsc -p . | ${median((run) => run.tsc).toFixed(1)} s |`);
console.log(`| vitest run | ${median((run) => run.vitest).toFixed(1)} s |`);
console.log(`| npm test | ${median((run) => run.total).toFixed(1)} s |`);
console.log('');
console.log(`vitest (last run): ${results.at(-1)!.summary}`);
const total = median((run) => run.total);
console.log(`target (issue #15): npm test <= ${TARGET_SECONDS} s on two cores: ${total <= TARGET_SECONDS ? 'met' : 'NOT met'} (${total.toFixed(1)} s)`);
recording.finish();
