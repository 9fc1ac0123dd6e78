import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export interface Measurement {
  readonly seconds: number;
  /** Highest sum of resident memory over the process and all its descendants, sampled every 20 ms. */
  readonly peakRssMb: number;
  /** What the process wrote to stderr (strata run's progress lines). */
  readonly stderr: string;
}

/** Runs a command to completion, measuring wall time and the peak memory of its whole process tree. */
export function measure(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peakKb = 0;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const sampler = setInterval(() => {
      if (child.pid !== undefined) peakKb = Math.max(peakKb, treeRssKb(child.pid));
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sampler);
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr}`));
      resolve({ seconds: (performance.now() - started) / 1000, peakRssMb: peakKb / 1024, stderr });
    });
  });
}

/** The measurement of median wall time (the lower middle one of an even count). */
export function medianRun(measurements: readonly Measurement[]): Measurement {
  return [...measurements].sort((a, b) => a.seconds - b.seconds)[Math.floor((measurements.length - 1) / 2)]!;
}

/** `count` measurements, one after the other: each one and their median run. */
export async function measureRepeatedly(count: number, measureOnce: (trial: number) => Promise<Measurement>): Promise<{ median: Measurement; trials: Measurement[] }> {
  const trials: Measurement[] = [];
  for (let trial = 0; trial < count; trial++) trials.push(await measureOnce(trial));
  return { median: medianRun(trials), trials };
}

function treeRssKb(pid: number): number {
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop()!;
    try {
      const status = readFileSync(`/proc/${current}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      for (const task of readdirSync(`/proc/${current}/task`)) {
        const children = readFileSync(`/proc/${current}/task/${task}/children`, 'utf8').trim();
        if (children) pending.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // The process ended between two reads.
    }
  }
  return total;
}
