/**
 * The settings one model trains, gates and scores with: its kind's
 * (`models.classifier`, `models.clusterer` or `models.ranker`), then what its workload's
 * definition sets (`ModelDefinition.settings`), then what the environment
 * sets for it by name (`models.overrides.<model>`), each over the one
 * before, key by key. Every use-case of the retrain flow and the SageMaker
 * rendering ask here, so a model's settings are decided in one place.
 */
import { z } from 'zod';
import type { ModelDefinition } from '../pipelines/models/model.ts';
import { ConfigError } from './config-error.ts';
import { classifierSettings, clustererSettings, rankerSettings, type ModelSettings } from './schema.ts';

/** Each kind's settings schema: what its section and a model's own settings are checked against. */
const KIND_SETTINGS = { classifier: classifierSettings, clusterer: clustererSettings, ranker: rankerSettings } as const satisfies Record<ModelDefinition['kind'], unknown>;

type ModelRef = Pick<ModelDefinition, 'name' | 'kind' | 'settings'>;

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `over` on `base`, key by key; a mapping merges into a mapping, anything else replaces. */
function merged(base: Record<string, unknown>, over: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) result[key] = isMapping(value) && isMapping(result[key]) ? merged(result[key], value) : value;
  return result;
}

function problemsOf(error: z.ZodError, where: string): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.join('.');
    const unknownKeys = issue.code === 'unrecognized_keys' ? `: unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.join(', ')}` : '';
    return `${where}${path ? `.${path}` : ''}${unknownKeys || `: ${issue.message}`}`;
  });
}

/** The settings of one model, in the shape every retrain use-case takes: its kind's section holds its own values. */
export function settingsFor(models: ModelSettings, model: ModelRef): ModelSettings {
  const kind = model.kind;
  let resolved: Record<string, unknown> = { ...models[kind] };
  const layers: [string, Readonly<Record<string, unknown>> | undefined][] = [
    [`model ${model.name}'s definition settings`, model.settings],
    [`models.overrides.${model.name}`, models.overrides[model.name]],
  ];
  for (const [where, layer] of layers) {
    if (!layer) continue;
    const parsed = KIND_SETTINGS[kind].safeParse(merged(resolved, layer));
    if (!parsed.success) throw new ConfigError(problemsOf(parsed.error, where));
    resolved = parsed.data;
  }
  return { ...models, [kind]: resolved } as ModelSettings;
}

/** Every override names a model of these workloads and holds settings of its kind; a ConfigError lists every problem. */
export function checkModelOverrides(models: ModelSettings, installed: readonly ModelRef[]): void {
  const problems: string[] = [];
  for (const name of Object.keys(models.overrides)) {
    const model = installed.find((candidate) => candidate.name === name);
    if (!model) {
      problems.push(`models.overrides.${name}: no such model in this environment's workloads; models: ${installed.map((each) => each.name).join(', ') || 'none'}`);
      continue;
    }
    try {
      settingsFor(models, model);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
