import type { Environment } from '../../config/schema.ts';

/** `strata-<env>-<part>...`: every resource name on both clouds starts here. */
export function resourceName(env: Environment, ...parts: string[]): string {
  return ['strata', env.name, ...parts].join('-');
}

/** Tag keys shared by both clouds, so a cost report can group by them. */
export const TAG_KEYS = {
  version: 'strata:version',
  environment: 'strata:environment',
} as const;

export function platformTags(env: Environment, version: string): Record<string, string> {
  return { [TAG_KEYS.version]: version, [TAG_KEYS.environment]: env.name };
}
