/**
 * What a synth is doing as it goes, for `strata synth`: it runs each cloud's app in a child process and
 * streams these lines as they come, so a synth of several seconds is not silent. Written to stdout as
 * `strata-progress <text>` only when the parent asks (STRATA_SYNTH_PROGRESS=1): `cdk synth`, cdktf and the
 * tests' in-process synths print nothing.
 */
export const SYNTH_PROGRESS_SETTING = 'STRATA_SYNTH_PROGRESS';
export const SYNTH_PROGRESS_PREFIX = 'strata-progress ';

export function reportSynthProgress(text: string): void {
  if (process.env[SYNTH_PROGRESS_SETTING] === '1') process.stdout.write(`${SYNTH_PROGRESS_PREFIX}${text}\n`);
}

/** Runs `step`, reporting `<doing>...` before (when given) and `<done> in <s> s` after. */
export function withSynthProgress<T>(doing: string | undefined, done: string, step: () => T): T {
  if (doing !== undefined) reportSynthProgress(`${doing}...`);
  const started = performance.now();
  const result = step();
  reportSynthProgress(`${done} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** Calls `onLine` with each whole line of text that arrives in chunks (without its line break). */
export class LineReader {
  private pending = '';

  constructor(private readonly onLine: (line: string, ending: string) => void) {}

  push(chunk: string): void {
    const lines = (this.pending + chunk).split('\n');
    this.pending = lines.pop()!;
    for (const line of lines) this.onLine(line, '\n');
  }

  end(): void {
    if (this.pending) this.onLine(this.pending, '');
    this.pending = '';
  }
}

/** Splits a child's stdout into progress texts and everything else, across chunk boundaries. */
export class SynthProgressReader {
  other = '';
  private readonly lines: LineReader;

  constructor(onProgress: (text: string) => void) {
    this.lines = new LineReader((line, ending) => {
      if (line.startsWith(SYNTH_PROGRESS_PREFIX)) onProgress(line.slice(SYNTH_PROGRESS_PREFIX.length));
      else this.other += line + ending;
    });
  }

  push(chunk: string): void {
    this.lines.push(chunk);
  }

  end(): void {
    this.lines.end();
  }
}
