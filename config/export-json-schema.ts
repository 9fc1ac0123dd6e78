/**
 * Writes config/environment.schema.json, the JSON Schema editors use for
 * completion and inline docs in environment files (`npm run schema`).
 * A test fails when the committed file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { environmentSchema } from './schema.ts';

export const JSON_SCHEMA_PATH = join(dirname(fileURLToPath(import.meta.url)), 'environment.schema.json');

export function environmentJsonSchema(): string {
  const schema = z.toJSONSchema(environmentSchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, title: 'Strata environment', description: 'config/environments/<name>.yaml: the sizing and settings of one Strata environment.' }, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(JSON_SCHEMA_PATH, environmentJsonSchema());
  console.log(`wrote ${JSON_SCHEMA_PATH}`);
}
