import type { SynthOutput, TfResource } from '../../../cli/synthesized/synth-output.ts';

/** Terraform resources of one stack, `type -> name -> body`, as CDKTF writes them under `resource`. */
export type TfBodies = Record<string, Record<string, Record<string, unknown>>>;

/** A synthesized Azure platform held in memory, one entry per stack, as readSynthOutput gives it (no AWS half). */
export function azureSynth(stacks: Record<string, TfBodies>): SynthOutput {
  return {
    dir: '(in memory)',
    aws: [],
    azure: Object.entries(stacks).map(([stack, byType]) => {
      const resources = new Map<string, TfResource>();
      for (const [type, byName] of Object.entries(byType)) {
        for (const [name, body] of Object.entries(byName)) resources.set(`${type}.${name}`, { address: `${type}.${name}`, type, name, path: name, body });
      }
      return { name: stack, resources, other: {} };
    }),
    findings: [],
    acknowledgements: [],
  };
}
