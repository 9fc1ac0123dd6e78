import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLOWS } from '../../support/catalog.ts';
import { type FlowDefinition } from '../../../pipelines/flows/index.ts';

const AZURE_DOC = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'azure.md'), 'utf8');
const HEADING = '### Parity: every step on AWS, Azure and locally';

/** Rows of docs/azure.md's parity table: `| flow | step | AWS | Azure | local |`. */
function parityRows(readme: string): string[][] {
  const start = readme.indexOf(HEADING);
  if (start < 0) throw new Error(`docs/azure.md has no "${HEADING}" section`);
  const lines = readme.slice(start).split('\n');
  const table = lines.slice(lines.findIndex((line) => line.startsWith('|')));
  const rows = table.slice(0, table.findIndex((line) => !line.startsWith('|')));
  return rows.slice(2).map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
}

/** Every step a flow runs, in order, map inner steps right after their map. */
function stepNames(flow: FlowDefinition): string[] {
  return flow.steps.flatMap((step) => (step.kind === 'map' ? [step.name, step.step.name] : [step.name]));
}

describe('the parity table in docs/azure.md', () => {
  const rows = parityRows(AZURE_DOC);

  it('has one row per step of each flow, in flow order', () => {
    const documented = rows.filter(([flow]) => flow !== '(poller)').map(([flow, step]) => `${flow}/${step}`);
    const defined = FLOWS.flatMap((flow) => stepNames(flow).map((step) => `${flow.name}/${step}`));
    expect(documented).toEqual(defined);
  });

  it('says for every row what runs it on AWS, on Azure and locally', () => {
    for (const row of rows) {
      expect(row, row.join(' | ')).toHaveLength(5);
      for (const cell of row) expect(cell, row.join(' | ')).not.toBe('');
    }
  });
});
