import { describe, expect, it } from 'vitest';
import { mermaid } from '../../../cli/plan/mermaid.ts';

/** A flow of `count` task states in a row, each catching States.ALL to Notify. */
function flowCatchingTo(count: number): Record<string, unknown> {
  const states: Record<string, unknown> = {};
  for (let index = 1; index <= count; index++) {
    states[`Step${index}`] = { Type: 'Task', ...(index < count ? { Next: `Step${index + 1}` } : { End: true }), Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Notify' }] };
  }
  states.Notify = { Type: 'Fail' };
  return { StartAt: 'Step1', States: states };
}

describe('the Mermaid picture of a state machine', () => {
  it('draws the failure path most states share once, from a legend, and marks the states that take it', () => {
    const picture = mermaid(flowCatchingTo(5));
    expect(picture.match(/catch States\.ALL/g)).toHaveLength(2); // the legend's label and its edge
    const notify = /(s\d+)\(\["Notify"\]\)/.exec(picture)![1];
    expect(picture).toContain(`caught[/"dashed border: catch States.ALL"/] -.->|catch States.ALL| ${notify}`);
    const marked = /class ([\w,]+) caught/.exec(picture)![1]!.split(',');
    const steps = [1, 2, 3, 4, 5].map((index) => new RegExp(`(s\\d+)\\["Step${index}"\\]`).exec(picture)![1]);
    expect(marked.sort()).toEqual(steps.sort());
    expect(picture).not.toMatch(/s\d -->\|catch/);
  });

  it('draws each catch edge when only a couple of states share it', () => {
    const picture = mermaid(flowCatchingTo(2));
    expect(picture.match(/-->\|catch States\.ALL\|/g)).toHaveLength(2);
    expect(picture).not.toContain('caught');
  });
});
