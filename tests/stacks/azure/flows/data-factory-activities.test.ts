import { describe, expect, it } from 'vitest';
import { FLOWS, PROCESS_FLOW, RETRAIN_FLOW } from '../../../support/catalog.ts';
import type { HandlerClass } from '../../../../config/schema.ts';
import { HANDLERS, ingestFlow, type FlowDefinition, type FlowStep, type TaskStep } from '../../../../pipelines/flows/index.ts';
import {
  DATA_FACTORY_RETRY,
  EVENT_GRID_RESOURCE,
  FUNCTION_KEY_HEADER,
  functionKeyActivityName,
  KEY_VAULT_RESOURCE,
  FLOW_NOTIFICATION_EVENT_TYPE,
  MAX_FOREACH_BATCH_COUNT,
  continuedPipelineName,
  renderDataFactoryActivities,
  renderDataFactoryPipelines,
  UnrenderableStepError,
  type DataFactoryActivity,
  type DataFactoryTargets,
} from '../../../../stacks/azure/flows/data-factory-activities.ts';
import { evaluateExpression, type ExpressionScope } from './adf-expression.ts';

const TIMEOUTS: Record<HandlerClass, string> = { ingest: '0.00:05:00', transform: '0.00:15:00', quality: '0.00:10:00', ml: '0.01:00:00' };
const TARGETS: DataFactoryTargets = {
  functionUrl: (handlerClass) => `https://\${TfToken[TOKEN.${handlerClass}]}`,
  functionKeySecretUrl: (handlerClass) => `https://vault.example/secrets/function-key-${handlerClass}?api-version=7.4`,
  activityTimeout: (handlerClass) => TIMEOUTS[handlerClass],
  notificationEndpoint: '${TfToken[TOKEN.42]}',
  environmentName: 'dev',
};
const RUN_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

/** The pipeline's activities, ForEach inner activities included. */
function allActivities(activities: readonly DataFactoryActivity[]): DataFactoryActivity[] {
  return activities.flatMap((activity) => [activity, ...allActivities((properties(activity).activities as DataFactoryActivity[] | undefined) ?? [])]);
}
const properties = (activity: DataFactoryActivity) => activity.typeProperties as Record<string, any>;
const named = (activities: readonly DataFactoryActivity[], name: string) => {
  const activity = allActivities(activities).find((candidate) => candidate.name === name);
  if (!activity) throw new Error(`no activity ${name}`);
  return activity;
};

/**
 * What an activity's body expression evaluates to, as the JSON the endpoint receives: a WebHook's is an
 * object (json() of the text, so ADF can add callBackUri), a Web activity's the JSON text.
 */
function bodyOf(activity: DataFactoryActivity, scope: Partial<ExpressionScope> = {}): unknown {
  const body = properties(activity).body as { value: string; type: string };
  expect(body.type).toBe('Expression');
  const value = evaluateExpression(body.value, { runId: RUN_ID, ...scope });
  if (activity.type === 'WebHook') {
    expect(body.value.startsWith('@json(')).toBe(true);
    expect(value).toBeTypeOf('object');
    return JSON.parse(JSON.stringify(value));
  }
  expect(typeof value).toBe('string');
  return JSON.parse(value as string);
}

/** The key activities, then the steps. */
const stepsOf = (activities: readonly DataFactoryActivity[]) => activities.filter((activity) => !String(activity.name).startsWith('FunctionKey-'));
const keysOf = (activities: readonly DataFactoryActivity[]) => activities.filter((activity) => String(activity.name).startsWith('FunctionKey-'));

const flowWith = (steps: readonly FlowStep[]): FlowDefinition => ({ ...ingestFlow, steps });
const task = (name: string, input: TaskStep['input'], resultPath = `$.${name}`): TaskStep => ({ kind: 'task', name, handler: 'build-refined', input, resultPath });

/**
 * A flow's pipelines as the flows they render: the whole flow, or, around a
 * continue-if step, the steps before it and the steps after it (the If
 * Condition that joins them is specified on its own, below).
 */
function pipelinePartsOf(flow: FlowDefinition): (readonly [string, FlowDefinition])[] {
  const at = flow.steps.findIndex((step) => step.kind === 'continue-if');
  if (at === -1) return [[flow.name, flow]];
  return [
    [flow.name, { ...flow, steps: flow.steps.slice(0, at) }],
    [continuedPipelineName(flow.name), { ...flow, steps: flow.steps.slice(at + 1) }],
  ];
}

describe('renderDataFactoryActivities', () => {
  describe.each(FLOWS.flatMap(pipelinePartsOf))('the %s pipeline', (_name, flow) => {
    const activities = renderDataFactoryActivities(flow, TARGETS);

    it('has one activity per step, map inner steps included, each task a WebHook on its class’s function app that waits for the callback', () => {
      const steps = flow.steps.flatMap((step): (FlowStep | Omit<TaskStep, 'resultPath'>)[] => (step.kind === 'map' ? [step, step.step] : [step]));
      expect(allActivities(stepsOf(activities)).map((activity) => activity.name)).toEqual(steps.map((step) => step.name));
      for (const step of steps) {
        const activity = named(activities, step.name);
        if (step.kind === 'map') {
          expect(activity.type).toBe('ForEach');
          continue;
        }
        if (step.kind === 'notify') {
          expect(activity.type).toBe('WebActivity');
          continue;
        }
        if (step.kind === 'continue-if') throw new Error('a pipeline part holds no continue-if step');
        const { handlerClass } = HANDLERS[step.handler];
        expect(activity.type, step.name).toBe('WebHook');
        expect(properties(activity)).toEqual({
          url: `https://\${TfToken[TOKEN.${handlerClass}]}/api/${step.handler}`,
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            [FUNCTION_KEY_HEADER]: { value: `@activity('FunctionKey-${handlerClass}').output.value`, type: 'Expression' },
          },
          body: { value: expect.stringMatching(/^@json\(/), type: 'Expression' },
          timeout: TIMEOUTS[handlerClass],
          reportStatusOnCallBack: true,
        });
        // A control activity: secure input (the key header), no retry policy.
        expect(activity.policy).toEqual({ secureInput: true, secureOutput: false });
        expect(activity).not.toHaveProperty('linkedServiceName');
      }
    });

    it('reads each function key its steps need once, at the start, from Key Vault with the factory identity, its output not logged', () => {
      const classes = new Set(
        flow.steps.flatMap((step) => (step.kind === 'task' ? [HANDLERS[step.handler].handlerClass] : step.kind === 'map' ? [HANDLERS[step.step.handler].handlerClass] : [])),
      );
      const keys = keysOf(activities);
      expect(activities.slice(0, keys.length)).toEqual(keys);
      expect(keys.map((key) => key.name).sort()).toEqual([...classes].map(functionKeyActivityName).sort());
      for (const key of keys) {
        const handlerClass = String(key.name).slice('FunctionKey-'.length) as HandlerClass;
        expect(key).toMatchObject({
          type: 'WebActivity',
          dependsOn: [],
          policy: { ...DATA_FACTORY_RETRY, secureInput: false, secureOutput: true },
          typeProperties: { url: TARGETS.functionKeySecretUrl(handlerClass), method: 'GET', authentication: { type: 'MSI', resource: KEY_VAULT_RESOURCE } },
        });
        expect(properties(key)).not.toHaveProperty('body');
      }
      expect(KEY_VAULT_RESOURCE).toBe('https://vault.azure.net');
      // Every key header reads an activity that exists and runs before the steps.
      for (const activity of allActivities(stepsOf(activities)).filter((candidate) => candidate.type === 'WebHook')) {
        const header = properties(activity).headers[FUNCTION_KEY_HEADER].value as string;
        expect(keys.map((key) => `@activity('${String(key.name)}').output.value`)).toContain(header);
      }
    });

    it('holds no function key or secret value: only the secret URLs and activity outputs', () => {
      const json = JSON.stringify(activities);
      expect(json).not.toMatch(/"(functionKey|key|code|password|secret)"\s*:/i);
      expect(json).not.toContain('code=');
      expect(json).not.toContain('linkedServiceName');
      for (const activity of allActivities(activities)) {
        const headers = (properties(activity).headers ?? {}) as Record<string, unknown>;
        if (FUNCTION_KEY_HEADER in headers) expect(headers[FUNCTION_KEY_HEADER]).toMatchObject({ type: 'Expression', value: expect.stringMatching(/^@activity\('FunctionKey-\w+'\)\.output\.value$/) });
      }
    });

    it('runs the steps in order, each after the previous one succeeded (completed, after a map tolerating item failures), the first after every key activity', () => {
      const keys = keysOf(activities);
      const steps = stepsOf(activities);
      expect(steps[0]?.dependsOn).toEqual(keys.map((key) => ({ activity: key.name, dependencyConditions: ['Succeeded'] })));
      for (let index = 1; index < steps.length; index += 1) {
        const previous = flow.steps[index - 1]!;
        const condition = previous.kind === 'map' && previous.toleratesItemFailures ? 'Completed' : 'Succeeded';
        expect(steps[index]?.dependsOn).toEqual([{ activity: steps[index - 1]?.name, dependencyConditions: [condition] }]);
      }
    });

    it('is plain JSON, the same on every render (activities_json is reviewed in plans)', () => {
      expect(JSON.parse(JSON.stringify(activities))).toEqual(activities);
      expect(JSON.stringify(renderDataFactoryActivities(flow, TARGETS))).toBe(JSON.stringify(activities));
    });
  });

  describe('a map tolerating its items\' failures', () => {
    const map = (name: string, toleratesItemFailures?: boolean): FlowStep => ({
      kind: 'map',
      name,
      items: { values: ['orders', 'customers'] },
      maxConcurrency: 2,
      step: { kind: 'task', name: `${name}Item`, handler: 'build-trusted', input: { table: '$$.Map.Item.Value' } },
      resultPath: `$.${name}`,
      ...(toleratesItemFailures === undefined ? {} : { toleratesItemFailures }),
    });
    const conditionsOf = (activities: readonly DataFactoryActivity[], name: string) =>
      (named(activities, name).dependsOn as Array<{ activity: string; dependencyConditions: string[] }>).map((dependency) => `${dependency.activity}:${dependency.dependencyConditions.join('|')}`);

    it('is followed on Completed, so the next step runs when an iteration failed; other maps and tasks on Succeeded', () => {
      const activities = renderDataFactoryActivities(
        flowWith([map('Tolerant', true), task('AfterTolerant', {}), map('Strict', false), task('AfterStrict', {}), map('Default'), task('AfterDefault', {})]),
        TARGETS,
      );
      expect(conditionsOf(activities, 'AfterTolerant')).toEqual(['Tolerant:Completed']);
      expect(conditionsOf(activities, 'Strict')).toEqual(['AfterTolerant:Succeeded']);
      expect(conditionsOf(activities, 'AfterStrict')).toEqual(['Strict:Succeeded']);
      expect(conditionsOf(activities, 'AfterDefault')).toEqual(['Default:Succeeded']);
      // The iterations themselves are unchanged: a ForEach still fails when one fails (and the pipeline's alert sees it).
      expect(properties(named(activities, 'Tolerant')).activities).toEqual(properties(named(activities, 'Strict')).activities.map((inner: DataFactoryActivity) => ({ ...inner, name: 'TolerantItem' })));
    });

    it('changes nothing when it is the first step: it waits on the key activities having succeeded', () => {
      const activities = renderDataFactoryActivities(flowWith([map('Tolerant', true)]), TARGETS);
      expect(conditionsOf(activities, 'Tolerant')).toEqual(keysOf(activities).map((key) => `${key.name}:Succeeded`));
    });
  });

  it('checks quality with the run id only', () => {
    const checkQuality = named(renderDataFactoryPipelines(PROCESS_FLOW, TARGETS, 'process')[1]!.activities, 'CheckQuality');
    expect(properties(checkQuality).url).toMatch(/\/api\/check-quality$/);
    expect(bodyOf(checkQuality)).toEqual({ runId: RUN_ID });
  });

  it('unpacks each drop the list step returned with the ingest time it gave, two at a time as the Map does', () => {
    const activities = renderDataFactoryActivities(ingestFlow, TARGETS);
    const forEach = named(activities, 'UnpackDrops');
    expect(properties(forEach)).toMatchObject({ items: { value: "@activity('ListLandingDrops').output.drops", type: 'Expression' }, isSequential: false, batchCount: 2 });
    const drops = [
      { landingKey: 'landing/orders/2026-11-22/a.csv', ingestedAt: '2026-11-22T03:00:00.000Z' },
      { landingKey: 'landing/o"dd\\name.zip', ingestedAt: '2026-11-22T03:00:00.001Z' },
    ];
    expect(evaluateExpression(properties(forEach).items.value, { runId: RUN_ID, outputs: { ListLandingDrops: { drops } } })).toEqual(drops);
    for (const drop of drops) {
      expect(bodyOf(named(activities, 'UnpackFileDrop'), { item: drop })).toEqual({ ...drop, runId: RUN_ID });
    }
  });

  it('builds each fixed-list table, the list written into the pipeline', () => {
    const step = PROCESS_FLOW.steps.find((candidate) => candidate.kind === 'map');
    if (step?.kind !== 'map' || !('values' in step.items)) throw new Error('the process flow has a fixed-list map');
    const forEach = named(renderDataFactoryPipelines(PROCESS_FLOW, TARGETS, 'process')[1]!.activities, step.name);
    expect(evaluateExpression(properties(forEach).items.value, { runId: RUN_ID })).toEqual(step.items.values);
    expect(properties(forEach).batchCount).toBe(step.maxConcurrency);
    const [item] = step.items.values;
    // The run option comes from the pipeline's parameter, as a run was started (the default is false).
    expect(bodyOf(named([forEach], step.step.name), { item, parameters: { fullRefresh: 'true' } })).toEqual({ table: item, runId: RUN_ID, fullRefresh: 'true' });
  });

  it('reads a run option from the pipeline parameters and refuses one the flow does not declare', () => {
    const undeclared = { ...PROCESS_FLOW, options: {} };
    expect(() => renderDataFactoryPipelines(undeclared, TARGETS, 'process')).toThrow(/reads option fullRefresh, which the flow does not declare/);
  });

  it('runs managed (SageMaker on AWS) steps as their handler', () => {
    const activities = renderDataFactoryActivities(RETRAIN_FLOW, TARGETS);
    const managed = RETRAIN_FLOW.steps.filter((step): step is TaskStep => step.kind === 'task' && step.managed !== undefined);
    expect(managed.length).toBeGreaterThan(0);
    for (const step of managed) {
      expect(properties(named(activities, step.name)).url).toMatch(new RegExp(`/api/${step.handler}$`));
      expect(bodyOf(named(activities, step.name))).toEqual({ ...step.input, runId: RUN_ID });
    }
  });

  it('publishes the retrain summary as one Event Grid event, with the factory’s identity, embedding results of any JSON type', () => {
    const notify = named(renderDataFactoryActivities(RETRAIN_FLOW, TARGETS), 'NotifyRetrained');
    expect(properties(notify)).toMatchObject({
      url: TARGETS.notificationEndpoint,
      method: 'POST',
      authentication: { type: 'MSI', resource: EVENT_GRID_RESOURCE },
    });
    expect(EVENT_GRID_RESOURCE).toBe('https://eventgrid.azure.net');
    const outputs = {
      RegisterSellerChurn: { summary: { version: 7, auc: 0.81, note: 'beat "champion" by 2%' } },
      RegisterSellerSegments: { summary: 'kept champion \\ v3' },
      RegisterOrderDelay: { summary: null },
      RegisterSellerActivation: { summary: 'seller-activation v0001: AUC OOT 0.887' },
      RegisterPurchaseRecommendation: { summary: ['hit rate', 0.45] },
      RegisterRainNextHour: { summary: 'rain-next-hour: not trained, no data yet' },
    };
    expect(bodyOf(notify, { outputs, utcNow: '2026-11-23T03:00:01.0000000Z' })).toEqual([
      {
        id: RUN_ID,
        eventType: FLOW_NOTIFICATION_EVENT_TYPE,
        subject: 'strata/dev/retrain',
        eventTime: '2026-11-23T03:00:01.0000000Z',
        dataVersion: '1',
        data: {
          flow: 'retrain',
          runId: RUN_ID,
          subject: 'models retrained',
          sellerChurn: outputs.RegisterSellerChurn.summary,
          sellerSegments: outputs.RegisterSellerSegments.summary,
          orderDelay: null,
          sellerActivation: outputs.RegisterSellerActivation.summary,
          purchaseRecommendation: ['hit rate', 0.45],
          rainNextHour: outputs.RegisterRainNextHour.summary,
        },
      },
    ]);
  });

  describe('step inputs', () => {
    const tricky = `it's a "quoted" C:\\path\\ with \\" and '' and @{x} and\na newline`;

    it.each([0, 2])('keeps any literal, item and previous result valid JSON (string() indent %i)', (indent) => {
      const flow = flowWith([
        task('First', { runId: '$$.Execution.Name' }, '$.first'),
        {
          kind: 'map',
          name: 'Each',
          items: { values: [tricky, 'plain'] },
          maxConcurrency: 2,
          step: { kind: 'task', name: 'PerItem', handler: 'build-refined', input: { table: '$$.Map.Item.Value', note: tricky, from: '$.first.detail.text' } },
          resultPath: '$.each',
        },
        task('Last', { note: tricky, text: '$.first.detail.text', whole: '$.first.detail', count: '$.first.count', runId: '$$.Execution.Name' }),
      ]);
      const activities = renderDataFactoryActivities(flow, TARGETS);
      const outputs = { First: { detail: { text: tricky, nested: [1, 'a\\b'] }, count: 3 } };
      const scope = { outputs, indent };
      expect(evaluateExpression(properties(named(activities, 'Each')).items.value, { runId: RUN_ID })).toEqual([tricky, 'plain']);
      expect(bodyOf(named(activities, 'PerItem'), { ...scope, item: tricky })).toEqual({ table: tricky, note: tricky, from: tricky });
      expect(bodyOf(named(activities, 'Last'), scope)).toEqual({ note: tricky, text: tricky, whole: outputs.First.detail, count: 3, runId: RUN_ID });
    });

    it('reads $.x.y from the step whose resultPath is $.x, the latest one if several wrote it', () => {
      const flow = flowWith([task('Old', {}, '$.x'), task('New', {}, '$.x'), task('Reader', { value: '$.x.y' })]);
      const reader = named(renderDataFactoryActivities(flow, TARGETS), 'Reader');
      expect(properties(reader).body.value).toContain("activity('New').output.y");
      expect(properties(reader).body.value).not.toContain("activity('Old')");
    });

    it('writes a body of literals only as one string', () => {
      const flow = flowWith([task('Only', { table: "o'brien" })]);
      const only = named(renderDataFactoryActivities(flow, TARGETS), 'Only');
      expect(properties(only).body.value).toBe(`@json(string('{"table":"o''brien"}'))`);
      expect(bodyOf(only)).toEqual({ table: "o'brien" });
    });
  });

  describe('what Data Factory cannot run', () => {
    const refusal = (flow: FlowDefinition) => {
      try {
        renderDataFactoryActivities(flow, TARGETS);
      } catch (error) {
        expect(error).toBeInstanceOf(UnrenderableStepError);
        return (error as Error).message;
      }
      throw new Error('rendered');
    };

    it('refuses a step of a kind it has no rendering for', () => {
      const wait = { kind: 'wait', name: 'Pause', seconds: 60 } as unknown as FlowStep;
      expect(refusal(flowWith([...ingestFlow.steps, wait]))).toBe('step Pause of flow ingest (kind wait) has no Azure rendering');
    });

    it('refuses to read a map step’s result, and says to read the lake', () => {
      const flow = flowWith([...ingestFlow.steps, task('CountUnpacked', { count: '$.unpacked.count', runId: '$$.Execution.Name' })]);
      const message = refusal(flow);
      expect(message).toContain('flow ingest');
      expect(message).toContain('step CountUnpacked reads $.unpacked.count');
      expect(message).toContain('map step UnpackDrops');
      expect(message).toContain('ForEach has no output');
      expect(message).toContain('from the lake');
    });

    it('refuses a map over another map’s result', () => {
      const flow = flowWith([
        ...ingestFlow.steps,
        { kind: 'map', name: 'Again', items: { path: '$.unpacked' }, maxConcurrency: 1, step: { kind: 'task', name: 'AgainEach', handler: 'build-refined', input: {} }, resultPath: '$.again' },
      ]);
      expect(refusal(flow)).toContain('step Again reads $.unpacked, the result of map step UnpackDrops');
    });

    it('refuses a field of the current item that is no plain name', () => {
      const flow = flowWith([
        { kind: 'map', name: 'Each', items: { values: ['a'] }, maxConcurrency: 1, step: { kind: 'task', name: 'EachItem', handler: 'build-refined', input: { table: '$$.Map.Item.Value.a-b' } }, resultPath: '$.each' },
      ]);
      expect(refusal(flow)).toContain('"a-b" is not a plain field name');
    });

    it.each([
      ['a path no earlier step writes', [task('Reader', { value: '$.later.y' }), task('Later', {}, '$.later')], 'which no earlier step writes'],
      ['the current item outside a map', [task('Reader', { value: '$$.Map.Item.Value' })], 'outside a map step'],
      ['a context path without an ADF equivalent', [task('Reader', { value: '$$.Execution.Id' })], 'a Step Functions context path'],
      ['an array index', [task('Writer', {}, '$.w'), task('Reader', { value: '$.w.items[0]' })], 'plain field names'],
      ['an activity name ADF rejects', [task('Build.Tables', {})], 'not a Data Factory activity name'],
      ['a name longer than 55 characters', [task('B'.repeat(56), {})], 'not a Data Factory activity name'],
      ['two steps with one name', [task('Twice', {}, '$.a'), task('Twice', {}, '$.b')], 'two steps are named Twice'],
      ['a step named like a key activity', [task('FunctionKey-transform', {})], 'the name of a function key activity'],
    ] as const)('refuses %s', (_what, steps, why) => {
      expect(refusal(flowWith(steps))).toContain(why);
    });
  });

  it(`runs at most ${MAX_FOREACH_BATCH_COUNT} items at once, ADF's limit`, () => {
    const wide = flowWith([
      { kind: 'map', name: 'Wide', items: { values: ['a'] }, maxConcurrency: 500, step: { kind: 'task', name: 'WideEach', handler: 'build-refined', input: {} }, resultPath: '$.wide' },
    ]);
    expect(properties(named(renderDataFactoryActivities(wide, TARGETS), 'Wide')).batchCount).toBe(50);
  });
});

describe('renderDataFactoryPipelines: a continue-if step', () => {
  const [first, continued] = renderDataFactoryPipelines(PROCESS_FLOW, TARGETS, 'process');

  it('ends the first pipeline with an If Condition on the previous result, whose true branch runs the rest as the process-steps pipeline', () => {
    expect(stepsOf(first!.activities).map((activity) => [activity.name, activity.type])).toEqual([
      ['FindNewData', 'WebHook'],
      ['AnythingNew', 'IfCondition'],
    ]);
    const gate = named(first!.activities, 'AnythingNew');
    expect(gate.dependsOn).toEqual([{ activity: 'FindNewData', dependencyConditions: ['Succeeded'] }]);
    expect(properties(gate).expression).toEqual({ value: "@bool(activity('FindNewData').output.due)", type: 'Expression' });
    // False: no activity, so the run ends there, succeeded.
    expect(properties(gate)).not.toHaveProperty('ifFalseActivities');
    expect(properties(gate).ifTrueActivities).toEqual([
      {
        name: 'Run-process-steps',
        type: 'ExecutePipeline',
        dependsOn: [],
        userProperties: [],
        typeProperties: {
          pipeline: { referenceName: 'process-steps', type: 'PipelineReference' },
          waitOnCompletion: true,
          parameters: { fullRefresh: { value: '@pipeline().parameters.fullRefresh', type: 'Expression' } },
        },
      },
    ]);
  });

  it('puts every step after it, and only those, in the second pipeline', () => {
    expect(continued!.name).toBe('process-steps');
    const after = PROCESS_FLOW.steps.slice(PROCESS_FLOW.steps.findIndex((step) => step.kind === 'continue-if') + 1);
    expect(stepsOf(continued!.activities).map((activity) => activity.name)).toEqual(after.map((step) => step.name));
  });

  it('renders a flow without one as a single pipeline, and refuses one that starts or ends with it', () => {
    expect(renderDataFactoryPipelines(ingestFlow, TARGETS, 'ingest').map((pipeline) => pipeline.name)).toEqual(['ingest']);
    const gate = { kind: 'continue-if', name: 'Gate', path: '$.x.due', reasonPath: '$.x.reason' } as const;
    expect(() => renderDataFactoryPipelines(flowWith([gate, ...ingestFlow.steps]), TARGETS, 'x')).toThrow(UnrenderableStepError);
    expect(() => renderDataFactoryPipelines(flowWith([...ingestFlow.steps, gate]), TARGETS, 'x')).toThrow(/ends with continue-if step Gate/);
    expect(() => renderDataFactoryActivities(PROCESS_FLOW, TARGETS)).toThrow(/renders as two pipelines/);
  });
});

