import type { FlowDefinition } from './flow.ts';

/**
 * File drops in raw's landing area -> raw/<table>/ingest_date=.../, started by
 * each drop landing and swept on schedules.ingestSweep (API polling runs on
 * schedules.ingest, straight to its handler).
 */
export const ingestFlow: FlowDefinition = {
  name: 'ingest',
  description: 'Unpacks the file drops waiting in the landing area into raw; refuses unsafe ones.',
  schedule: 'ingestSweep',
  startsOnLanding: true,
  // Until a listing finds nothing: what lands while a run unpacks is taken by that run.
  repeatWhileAny: '$.landing.drops',
  steps: [
    { kind: 'task', name: 'ListLandingDrops', handler: 'list-landing', input: { runId: '$$.Execution.Name' }, resultPath: '$.landing' },
    {
      kind: 'map',
      name: 'UnpackDrops',
      items: { path: '$.landing.drops' },
      // Two at a time: the listing gave each drop its ingest time, later for each drop in landing-name order, so
      // when several versions of a row arrive in one run the later drop wins whichever unpack finishes first.
      maxConcurrency: 2,
      step: {
        kind: 'task',
        name: 'UnpackFileDrop',
        handler: 'unpack-file-drop',
        input: { landingKey: '$$.Map.Item.Value.landingKey', ingestedAt: '$$.Map.Item.Value.ingestedAt', runId: '$$.Execution.Name' },
      },
      resultPath: '$.unpacked',
    },
  ],
};
