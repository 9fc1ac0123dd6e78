import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closestOf } from '../../cli/did-you-mean.ts';
import { describeFailure } from '../../cli/failure.ts';

/** The error a real file system call throws. */
function errorOf(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('the call did not fail');
}

describe('describeFailure', () => {
  const work = mkdtempSync(join(tmpdir(), 'strata-failure-'));
  writeFileSync(join(work, 'file'), 'x');

  it.each([
    ['a full device', () => writeFileSync('/dev/full', 'x'), /^cannot write: no space left on the device$/],
    ['a folder where a file belongs', () => writeFileSync(work, 'x'), /^cannot open .*: is a folder, where a file was expected$/],
    ['a file where a folder belongs', () => writeFileSync(join(work, 'file', 'report.json'), 'x'), /^cannot open .*file\/report\.json: a part of the path is a file, not a folder$/],
  ])('says in one line what could not be done where, for %s', (_case, call, expected) => {
    expect(describeFailure(errorOf(call), false)).toMatch(expected);
  });

  it('points to --debug for an error it has no words for, and not when debugging already', () => {
    expect(describeFailure(new Error('boom\nsecond line'), false)).toBe('boom (unexpected: run again with --debug for the stack trace)');
    expect(describeFailure(new Error('boom'), true)).toBe('boom');
  });
});

describe('closestOf', () => {
  it.each([
    ['synht', ['synth', 'run', 'plan'], 'synth'],
    ['--enviroment', ['--env', '--config'], '--env'],
    ['ingets', ['ingest', 'process', 'retrain'], 'ingest'],
    ['--out-dir', ['--outdir', '--env'], '--outdir'],
  ])('takes %s for %s', (typed, known, expected) => {
    expect(closestOf(typed, known)).toBe(expected);
  });

  it('suggests nothing when nothing is close', () => {
    expect(closestOf('deploy', ['synth', 'run', 'plan', 'cost'])).toBeUndefined();
  });
});
