import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ENVIRONMENTS_DIR, loadEnvironment, parseEnvironment } from '../../config/load-environment.ts';
import type { Environment } from '../../config/schema.ts';

export function environmentNamed(name: 'dev' | 'prod'): Environment {
  return loadEnvironment({ env: name }).environment;
}

/** A shipped environment file with some keys changed, parsed as a cost tuner's edit would be. */
export function environmentWith(base: 'dev' | 'prod', change: (document: Record<string, any>) => void): Environment {
  const document = parse(readFileSync(join(ENVIRONMENTS_DIR, `${base}.yaml`), 'utf8')) as Record<string, any>;
  change(document);
  return parseEnvironment(stringify(document), `${base}-edited.yaml`);
}
