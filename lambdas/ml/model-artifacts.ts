/**
 * Where the retrain flow keeps what its steps hand each other and what it
 * registers, all in the refined layer under `_ml/`:
 *
 *   _ml/runs/<runId>/<model>/candidates/<algorithm>.json   trained candidates
 *   _ml/runs/<runId>/<model>/evaluation.json, gate.json, charts/*.svg
 *   _ml/registry/<model>/versions/v0001/model.json, card.json, *.svg
 *   _ml/registry/<model>/champion.json                      the version that scores
 *
 * Steps pass run ids, not payloads: Step Functions state stays small, and a
 * step re-run after a failure finds its inputs where the previous step left them.
 */
import type { ObjectStore } from '../ports/object-store.ts';
import type { ModelName } from '../../pipelines/models/index.ts';

const LAYER = 'refined';
const decoder = new TextDecoder();

export const runPrefix = (runId: string, model: ModelName) => `_ml/runs/${runId}/${model}`;
export const registryPrefix = (model: ModelName) => `_ml/registry/${model}`;
export const versionPrefix = (model: ModelName, version: number) => `${registryPrefix(model)}/versions/${versionLabel(version)}`;
export const versionLabel = (version: number) => `v${String(version).padStart(4, '0')}`;

export async function writeJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.write(LAYER, key, `${JSON.stringify(value, null, 2)}\n`);
}

export async function readJson<T>(store: ObjectStore, key: string, what: string): Promise<T> {
  let body: Uint8Array;
  try {
    body = await store.read(LAYER, key);
  } catch (error) {
    throw new Error(`${what} is missing: ${LAYER}/${key} cannot be read (${(error as Error).message.split('\n')[0]}); did the step before it run?`);
  }
  return JSON.parse(decoder.decode(body)) as T;
}

export async function readJsonIfPresent<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  const found = await store.list(LAYER, key);
  if (!found.some((object) => object.key === key)) return undefined;
  return JSON.parse(decoder.decode(await store.read(LAYER, key))) as T;
}

export async function writeText(store: ObjectStore, key: string, text: string): Promise<void> {
  await store.write(LAYER, key, text);
}

export async function readText(store: ObjectStore, key: string): Promise<string> {
  return decoder.decode(await store.read(LAYER, key));
}

export async function listKeys(store: ObjectStore, prefix: string): Promise<string[]> {
  return (await store.list(LAYER, prefix)).map((object) => object.key);
}
