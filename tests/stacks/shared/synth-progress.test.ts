import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportSynthProgress, SYNTH_PROGRESS_SETTING, SynthProgressReader } from '../../../stacks/shared/synth-progress.ts';

describe('the synth progress a child app streams to strata synth', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('is printed only when the parent asks for it, so cdk synth and cdktf stay quiet', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.stubEnv(SYNTH_PROGRESS_SETTING, '0');
    reportSynthProgress('built stack storage');
    expect(write).not.toHaveBeenCalled();
    vi.stubEnv(SYNTH_PROGRESS_SETTING, '1');
    reportSynthProgress('built stack storage');
    expect(write).toHaveBeenCalledWith('strata-progress built stack storage\n');
  });

  it('is told apart from the rest of the output across chunk boundaries, the rest kept whole for an error', () => {
    const said: string[] = [];
    const reader = new SynthProgressReader((text) => said.push(text));
    for (const chunk of ['strata-pro', 'gress bundling...\nwarning: x\nstrata-progress bui', 'lt stack a in 0.1 s\n', 'Error: boom']) reader.push(chunk);
    reader.end();
    expect(said).toEqual(['bundling...', 'built stack a in 0.1 s']);
    expect(reader.other).toBe('warning: x\nError: boom');
  });
});
