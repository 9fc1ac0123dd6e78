import type { FlowDefinition } from './flow.ts';

/** File drops in raw's landing area -> raw/<table>/ingest_date=.../ (API polling runs on its own schedule, straight to its handler). */
export const ingestFlow: FlowDefinition = {
  name: 'ingest',
  description: 'Unpacks the file drops waiting in the landing area into raw; refuses unsafe ones.',
  schedule: 'ingest',
  steps: [
    { kind: 'task', name: 'ListLandingDrops', handler: 'list-landing', input: { runId: '$$.Execution.Name' }, resultPath: '$.landing' },
    {
      kind: 'map',
      name: 'UnpackDrops',
      items: { path: '$.landing.keys' },
      // One at a time, in landing-name order: each drop's ingest time is then later than the one before,
      // so when several versions of a row arrive in one run, the later drop wins (merge order: ingest time first).
      maxConcurrency: 1,
      step: { kind: 'task', name: 'UnpackFileDrop', handler: 'unpack-file-drop', input: { landingKey: '$$.Map.Item.Value', runId: '$$.Execution.Name' } },
      resultPath: '$.unpacked',
    },
  ],
};
