import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ENVIRONMENTS_DIR, loadEnvironment, parseEnvironment } from '../../config/load-environment.ts';
import type { Environment } from '../../config/schema.ts';

/** The platform version stacks are tagged with in tests. */
export const TEST_VERSION = '0.1.0+0123456789ab';

/** One of the checked-in environments (config/environments/<name>.yaml). */
export function environmentNamed(name: 'dev' | 'prod'): Environment {
  return loadEnvironment({ env: name }).environment;
}

/** An environment from YAML text, defaults applied, as the stacks receive it. */
export function environmentFrom(yaml: string): Environment {
  return parseEnvironment(yaml, 'test.yaml');
}

/** A shipped environment file with some keys changed, validated as a cost tuner's edit would be. */
export function environmentWith(base: 'dev' | 'prod', change: (document: Record<string, any>) => void): Environment {
  const document = parse(readFileSync(join(ENVIRONMENTS_DIR, `${base}.yaml`), 'utf8')) as Record<string, any>;
  change(document);
  return parseEnvironment(stringify(document), `${base}-edited.yaml`);
}

/** A deep copy of a parsed environment with `change` applied (for "change a knob, see the output change"). */
export function withChange(environment: Environment, change: (copy: Environment) => void): Environment {
  const copy = structuredClone(environment);
  change(copy);
  return copy;
}
