import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS_DIR } from '../../config/load-environment.ts';
import { runStrata, runStrataInProcess } from '../support/run-cli.ts';

/** Where the mistaken inputs live: a file, an empty folder, bad configs. */
const work = mkdtempSync(join(tmpdir(), 'strata-mistakes-'));
const aFile = join(work, 'a-file.txt');
const emptyFolder = join(work, 'empty');
const devYaml = () => readFileSync(join(ENVIRONMENTS_DIR, 'dev.yaml'), 'utf8');

beforeAll(() => {
  writeFileSync(aFile, 'not a folder\n');
  mkdirSync(emptyFolder);
  const aliases = ['name: dev', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (const [index, name] of [...'bcdefghi'].entries()) aliases.push(`${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[index]}`).join(',')}]`);
  writeFileSync(join(work, 'alias-bomb.yaml'), `${aliases.join('\n')}\n`);
  writeFileSync(join(work, 'huge.yaml'), `${devYaml()}padding: "${'x'.repeat(2 * 1024 * 1024)}"\n`);
  writeFileSync(join(work, 'long-unknown.yaml'), `${devYaml()}notAKey: "${'y'.repeat(500_000)}"\n`);
});

interface Mistake {
  args: () => string[];
  status: 1 | 2;
  says: RegExp;
}

/** Each mistake a user makes, what it must say, and its exit code (2 usage, 1 failure). */
const MISTAKES: Record<string, Mistake> = {
  'run with --lake naming a file': { args: () => ['run', '--lake', aFile, '--flows', 'process'], status: 2, says: /--lake .*a-file\.txt: is a file; give a folder/ },
  'run with --data naming a folder with no drops': { args: () => ['run', '--data', emptyFolder, '--lake', join(work, 'lake')], status: 2, says: /--data .*empty: no \.csv, \.csv\.gz or \.zip files in it/ },
  'run with --data naming nothing': { args: () => ['run', '--data', join(work, 'nowhere')], status: 2, says: /--data .*nowhere: no such folder/ },
  'run with a misspelt flow': { args: () => ['run', '--flows', 'ingets'], status: 2, says: /unknown flow\(s\) ingets; did you mean ingest\?/ },
  'abt export with --out naming a folder': { args: () => ['abt', 'export', '--out', emptyFolder], status: 2, says: /--out .*empty: is a folder; give a file name/ },
  'generate with --out naming a file': { args: () => ['generate', '--scale', '0.01', '--out', aFile], status: 2, says: /--out .*a-file\.txt: is a file; give a folder/ },
  'generate with --out under a file': { args: () => ['generate', '--scale', '0.01', '--out', join(aFile, 'data')], status: 2, says: /a-file\.txt is a file, so nothing can be created under it/ },
  'generate with a negative scale': { args: () => ['generate', '--scale', '-1', '--out', join(work, 'out')], status: 2, says: /--scale must be a number above 0 and up to \d+ \(got "-1"\)/ },
  'generate without --out': { args: () => ['generate', '--scale', '1'], status: 2, says: /--out <folder> is required/ },
  'synth with --config naming a folder': { args: () => ['synth', '--config', emptyFolder, '--outdir', join(work, 'o')], status: 1, says: /empty: not a file \(a folder\); give an environment YAML file/ },
  'synth with --config /dev/zero': { args: () => ['synth', '--config', '/dev/zero', '--outdir', join(work, 'o')], status: 1, says: /\/dev\/zero: not a file \(a device or pipe\)/ },
  'synth with a YAML alias bomb': { args: () => ['synth', '--config', join(work, 'alias-bomb.yaml'), '--outdir', join(work, 'o')], status: 1, says: /too many YAML aliases/ },
  'synth with a 2 MB config': { args: () => ['synth', '--config', join(work, 'huge.yaml'), '--outdir', join(work, 'o')], status: 1, says: /huge\.yaml: [\d,]+ bytes; an environment file is at most 1,048,576/ },
  'synth with a long value under an unknown key': { args: () => ['synth', '--config', join(work, 'long-unknown.yaml'), '--outdir', join(work, 'o')], status: 1, says: /notAKey = "y+"\.\.\. \(500,000 characters\): unknown key/ },
  'synth with a misspelt flag': { args: () => ['synth', '--environment', 'prod'], status: 2, says: /unknown option --environment; did you mean --env\?/ },
  'synth with a flag missing its value': { args: () => ['synth', '--env'], status: 2, says: /--env needs a value/ },
  'a misspelt command': { args: () => ['synht'], status: 2, says: /unknown command "synht"; did you mean synth\?/ },
  'plan with a git ref that does not exist': { args: () => ['plan', '--base', 'no-such-ref-anywhere', '--head', 'HEAD'], status: 2, says: /--base no-such-ref-anywhere: neither a folder .* nor a git ref/ },
  'plan without --head': { args: () => ['plan', '--base', 'HEAD'], status: 2, says: /--head <dir\|git ref> is required/ },
  'cost --from a folder that holds no synth': { args: () => ['cost', '--from', emptyFolder], status: 2, says: /--from .*empty: holds no cdk\.out\/ or cdktf\.out\// },
  'cost --vs-from naming a file': { args: () => ['cost', '--vs', join(ENVIRONMENTS_DIR, 'prod.yaml'), '--vs-from', aFile], status: 2, says: /--vs-from .*a-file\.txt: is a file; give a folder/ },
};

describe('a mistaken invocation', () => {
  // In this process, through the same main() bin/strata.mjs runs; the two cases below run it as a child process.
  it.each(Object.entries(MISTAKES))('%s: one clear message, the right exit code, no stack trace', async (_name, mistake) => {
    const result = await runStrataInProcess(mistake.args());
    expect(result.stderr).toMatch(mistake.says);
    expect(result.status).toBe(mistake.status);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    // The message and, for usage, the synopsis and where the options are: never a page of text.
    expect(result.stderr.trim().split('\n').length, result.stderr).toBeLessThanOrEqual(mistake.status === 2 ? 6 : 2);
  });

  it('exits as a child process with what main returns, the message on stderr and nothing on stdout', () => {
    const result = runStrata(MISTAKES['run with --lake naming a file']!.args(), { cwd: work });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(MISTAKES['run with --lake naming a file']!.says);
    expect(result.stdout).toBe('');
  });

  it('refuses a run before it takes the lake: nothing is created', () => {
    const lake = join(work, 'untouched-lake');
    expect(runStrata(['run', '--data', emptyFolder, '--lake', lake], { cwd: work }).status).toBe(2);
    expect(existsSync(lake)).toBe(false);
  });

  it('shows the stack trace with --debug, and only then', () => {
    const args = ['generate', '--scale', '0.01', '--out', aFile];
    expect(runStrata(args, { cwd: work }).stderr).not.toMatch(/^\s+at /m);
    const loud = runStrata([...args, '--debug'], { cwd: work });
    expect(loud.status).toBe(2);
    expect(loud.stderr).toMatch(/^\s+at /m);
  });
});
