/**
 * A cloud-neutral flow (pipelines/flows) rendered as the activities of an
 * Azure Data Factory pipeline: the Azure stack sets an
 * `azurerm_data_factory_pipeline`'s `activities_json` to
 * `JSON.stringify(renderDataFactoryActivities(flow, targets))`.
 *
 * Pure functions (no cdktf), mirroring the AWS rendering
 * (stacks/aws/constructs/pipeline-flow.ts) step for step:
 *
 * - task   -> WebHook: `POST https://<app>/api/<handler>` on the function
 *             app of the handler's class, with the step's input as a JSON
 *             object body (ADF adds `callBackUri`); the function queues the
 *             step and answers 202, and the pipeline waits for the callback
 *             (reportStatusOnCallBack: a StatusCode >= 400 fails the step),
 *             up to the class's timeout plus a margin. The function key is
 *             sent as `x-functions-key`, read at run time from Key Vault by a
 *             Web activity per handler class (FunctionKey-<class>, managed
 *             identity, secureOutput) that the pipeline runs first; the
 *             WebHook has secureInput, so neither the key nor the request is
 *             logged, and the pipeline JSON holds only the secret's URL;
 * - map    -> ForEach over the items (a previous result or a fixed list), in
 *             parallel up to maxConcurrency, running the inner task per item;
 * - notify -> WebActivity posting one Event Grid schema event to the
 *             notification topic, authenticated with the factory's managed
 *             identity.
 *
 * Steps run in order, after the key activities: each activity depends on the
 * previous one Succeeded (the first on every key activity), so
 * a step that fails (after its retries) fails the run and skips the rest, as
 * on AWS. A map that tolerates its items' failures (`toleratesItemFailures`)
 * is followed on Completed instead: the next step runs whether or not every
 * iteration succeeded. Failure notifications are not activities: on Azure they come from
 * the factory's failed-runs alert, which the stack sets up.
 *
 * Differences from the Step Functions rendering, by what Data Factory allows:
 * - Retries: a WebHook is a control activity; its policy has secureInput and
 *   secureOutput only, no retry. A handler step that fails fails its run at
 *   once (AWS retries it 3 times unless its error is in NON_RETRYABLE_ERRORS);
 *   only the delivery of its outcome is retried (by the step queue). Web
 *   activities (key fetches, notify) keep ADF's retry policy: a count and a
 *   fixed interval (at least 30 seconds), no backoff.
 * - Managed steps (`step.managed`, SageMaker jobs on AWS) run their handler on
 *   Azure, the embedded engine in the ml function app, unless the targets
 *   name a Databricks job for the step's model (`databricksJobs`,
 *   sizing.training.engine databricks): then the step is rendered as that job
 *   between the handlers around it, as AWS renders SageMaker's (below).
 * - A map step's result cannot be read: a ForEach has no output. Handlers read
 *   what a map's steps wrote from the lake, under the run id.
 * - Why WebHook and not the Azure Function activity: that one waits at most
 *   230 seconds for the HTTP response (the platform's front-end limit),
 *   whatever its timeout, while prod's transform and ml handlers may run 900;
 *   the step then failed and was retried while the first run carried on.
 *
 * Bodies are JSON built by one `@concat(...)` expression (encoding below),
 * valid for any value; `activity('<step>').output.<field>` reads the JSON
 * object a previous function returned.
 */
import { HANDLER_CLASSES as HANDLER_CLASS_NAMES, type HandlerClass } from '../../../config/schema.ts';
import { functionRoute } from '../../../lambdas/entrypoints/azure/app-settings.ts';
import { TRAINING_JOB_PARAMETERS as JOB, type TrainingJobMode } from '../../../lambdas/ml/managed-xgboost.ts';
import { pascalCase } from '../../../pipelines/models/index.ts';
import { HANDLERS, OPTIONS_PATH, type ContinueIfStep, type FlowDefinition, type FlowStep, type MapStep, type NotifyStep, type StepInput, type TaskStep } from '../../../pipelines/flows/index.ts';

export interface DataFactoryTargets {
  /** `https://<host>` of the function app serving this handler class (may hold Terraform tokens); steps POST to `<url>/api/<handler>`. */
  readonly functionUrl: (handlerClass: HandlerClass) => string;
  /** Key Vault URL of the secret holding that app's function key, `<vaultUri>secrets/<name>?api-version=7.4`. */
  readonly functionKeySecretUrl: (handlerClass: HandlerClass) => string;
  /** How long a step of this class may take before its callback, ADF timespan "d.hh:mm:ss": the class's timeout plus a margin. */
  readonly activityTimeout: (handlerClass: HandlerClass) => string;
  /** Event Grid topic endpoint notify steps POST to (may be a Terraform token string). */
  readonly notificationEndpoint: string;
  /** Environment name, for event subjects. */
  readonly environmentName: string;
  /**
   * The integration runtime the function-key reads run on (`connectVia`): the managed virtual network's, whose
   * managed private endpoint reaches a vault with public access off.
   * @default - the factory's default Azure integration runtime
   */
  readonly keyVaultRuntime?: string;
  /**
   * The managed models' Databricks jobs (sizing.training.engine databricks):
   * their train and score steps run as those jobs.
   * @default - every managed step runs its handler (the embedded engine)
   */
  readonly databricksJobs?: DatabricksJobTargets;
}

export interface DatabricksJobTargets {
  /** The factory's Azure Databricks linked service the Databricks Job activities run through. */
  readonly linkedServiceName: string;
  /** The job of a managed model (may be a Terraform token); undefined for a model without one. */
  readonly jobId: (model: string) => string | undefined;
  /** How long a job run may take, ADF timespan: the job's own timeout plus the job cluster's start. */
  readonly timeout: string;
}

/** One activity of a pipeline's `activities` array, as ADF's JSON has it. */
export type DataFactoryActivity = Record<string, unknown>;

/** A step Data Factory cannot run as written; the message names the flow and the step. */
export class UnrenderableStepError extends Error {
  override readonly name = 'UnrenderableStepError';
}

/**
 * Retries of the activities Data Factory runs itself (the function-key fetch
 * and the notification): 3, at ADF's shortest interval. Handler steps are
 * WebHooks, which have no retry policy: their retries happen on the step
 * queue (lambdas/entrypoints/azure), as on AWS.
 */
export const DATA_FACTORY_RETRY = { retry: 3, retryIntervalInSeconds: 30 } as const;

/** Timeout of a notify step's Event Grid publish. */
export const NOTIFY_TIMEOUT = '0.00:05:00';

/** ADF runs at most this many ForEach iterations at once (its batchCount limit). */
export const MAX_FOREACH_BATCH_COUNT = 50;

/** Event Grid event type of a notify step's event; subject `strata/<env>/<flow>`. */
export const FLOW_NOTIFICATION_EVENT_TYPE = 'Strata.FlowNotification';
export const FLOW_NOTIFICATION_DATA_VERSION = '1';

/** The Entra ID audience of Key Vault's data plane, for the factory's managed identity. */
export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';

/** The header Azure Functions reads a function key from. */
export const FUNCTION_KEY_HEADER = 'x-functions-key';

/** Timeout of a function key fetch from Key Vault. */
export const KEY_FETCH_TIMEOUT = '0.00:02:00';

/** The activity that reads a handler class's function key from Key Vault, at the start of a pipeline. */
export const functionKeyActivityName = (handlerClass: HandlerClass): string => `FunctionKey-${handlerClass}`;

/** The Entra ID audience of Event Grid's data plane, for the factory's managed identity. */
export const EVENT_GRID_RESOURCE = 'https://eventgrid.azure.net';

/** ADF activity names: at most 55 characters, none of these (https://learn.microsoft.com/azure/data-factory/naming-rules). */
const MAX_ACTIVITY_NAME = 55;
const FORBIDDEN_IN_ACTIVITY_NAME = /[.+?/<>*%&:\\']/;
/** `$.a.b` segments that can follow `.output` in an ADF expression as they are. */
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*$/;

const RUN_ID = '$$.Execution.Name';
const MAP_ITEM = '$$.Map.Item.Value';

// ------------------------------------------------------------------ bodies

/**
 * A JSON text being assembled: pieces known at synth time (`text`) and ADF
 * expressions whose string value is spliced in at run time.
 *
 * Encoding, so the body is valid JSON whatever the values:
 * - literals are JSON-encoded at synth time (JSON.stringify), then written as
 *   an ADF string literal: inside '…' ADF escapes a quote by doubling it and
 *   takes a backslash literally, so JSON's own `\"` and `\\` pass through;
 * - the run id (a GUID) and utcnow() (an ISO timestamp) never need escaping
 *   and are spliced between double quotes;
 * - any other run-time value (the current item, a previous function's
 *   output field, of any JSON type) is encoded by ADF itself: string() of a
 *   one-element array is that array's JSON text, `["…"]` or `[{…}]`, and the
 *   substring between the brackets is the value's JSON, escapes included:
 *   `substring(string(createArray(v)), 1, sub(length(string(createArray(v))), 2))`.
 */
type JsonPiece = { readonly text: string } | { readonly expression: string };
type JsonPieces = readonly JsonPiece[];

const text = (value: string): JsonPiece => ({ text: value });
const literal = (value: unknown): JsonPieces => [text(JSON.stringify(value))];
const quoted = (expression: string): JsonPieces => [text('"'), { expression }, text('"')];
function encoded(expression: string): JsonPieces {
  const json = `string(createArray(${expression}))`;
  return [{ expression: `substring(${json}, 1, sub(length(${json}), 2))` }];
}

function jsonObject(fields: ReadonlyMap<string, JsonPieces>): JsonPieces {
  const pieces: JsonPiece[] = [text('{')];
  let first = true;
  for (const [field, value] of fields) {
    pieces.push(text(`${first ? '' : ','}${JSON.stringify(field)}:`), ...value);
    first = false;
  }
  pieces.push(text('}'));
  return pieces;
}

/** An ADF string literal: `'` doubled, everything else (backslashes too) as is. */
export function adfStringLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The pieces as one ADF expression (`@concat(…)`), adjacent texts merged; with
 * `asJson`, parsed by json() so the value is an object (a WebHook body, to
 * which ADF adds callBackUri) rather than a string.
 */
function expressionOf(pieces: JsonPieces, asJson = false): string {
  const args: string[] = [];
  let pending: string | undefined;
  for (const piece of pieces) {
    if ('text' in piece) {
      pending = (pending ?? '') + piece.text;
      continue;
    }
    if (pending !== undefined) args.push(adfStringLiteral(pending));
    pending = undefined;
    args.push(piece.expression);
  }
  if (pending !== undefined) args.push(adfStringLiteral(pending));
  const value = args.length === 1 ? `string(${args[0]})` : `concat(${args.join(', ')})`;
  return asJson ? `@json(${value})` : `@${value}`;
}

// ----------------------------------------------------------- step inputs

interface RenderContext {
  readonly flow: FlowDefinition;
  readonly targets: DataFactoryTargets;
  /** The steps before the one being rendered, in flow order. */
  readonly earlier: readonly FlowStep[];
}

function segmentsOf(path: string): string[] {
  return path === '$' ? [] : path.slice(2).split('.');
}

/**
 * `$.x.y.z` as `activity('<the step whose resultPath is $.x>').output.y.z`:
 * the latest earlier step that wrote the path (or a parent of it).
 */
function activityOutput(path: string, stepName: string, context: RenderContext): string {
  const { flow } = context;
  const segments = segmentsOf(path);
  if (!path.startsWith('$.') || segments.some((segment) => !FIELD.test(segment))) {
    throw new UnrenderableStepError(`flow ${flow.name}: step ${stepName} reads ${path}; Data Factory renders $.<field>.<field>… paths of plain field names only`);
  }
  for (const writer of [...context.earlier].reverse()) {
    if (writer.kind === 'notify' || writer.kind === 'continue-if') continue;
    const written = segmentsOf(writer.resultPath);
    const covers = written.every((segment, index) => segments[index] === segment);
    const inside = segments.every((segment, index) => written[index] === segment);
    if (!covers && !inside) continue;
    if (writer.kind === 'map') {
      throw new UnrenderableStepError(
        `flow ${flow.name}: step ${stepName} reads ${path}, the result of map step ${writer.name}; a Data Factory ForEach has no output, ` +
          `so it cannot be passed on: have the handler read what ${writer.name}'s steps wrote from the lake (under the run id) instead`,
      );
    }
    if (!covers) {
      throw new UnrenderableStepError(`flow ${flow.name}: step ${stepName} reads ${path}, which only part of step ${writer.name}'s result (${writer.resultPath}) fills`);
    }
    const rest = segments.slice(written.length);
    return `activity(${adfStringLiteral(writer.name)}).output${rest.map((segment) => `.${segment}`).join('')}`;
  }
  throw new UnrenderableStepError(`flow ${flow.name}: step ${stepName} reads ${path}, which no earlier step writes (no resultPath covers it)`);
}

/** One input value as JSON pieces: run id, current item, a previous result, or a literal. */
function inputValue(value: string, stepName: string, inMap: boolean, context: RenderContext): JsonPieces {
  if (value === RUN_ID) return quoted('pipeline().RunId');
  if (value === MAP_ITEM || value.startsWith(`${MAP_ITEM}.`)) {
    if (!inMap) throw new UnrenderableStepError(`flow ${context.flow.name}: step ${stepName} reads ${MAP_ITEM} outside a map step`);
    const fields = value === MAP_ITEM ? [] : value.slice(MAP_ITEM.length + 1).split('.');
    const unfit = fields.find((field) => !FIELD.test(field));
    if (unfit !== undefined) throw new UnrenderableStepError(`flow ${context.flow.name}: step ${stepName} reads ${value}: "${unfit}" is not a plain field name`);
    return encoded(`item()${fields.map((field) => `.${field}`).join('')}`);
  }
  if (value.startsWith(`${OPTIONS_PATH}.`)) {
    const option = value.slice(OPTIONS_PATH.length + 1);
    if (!(option in (context.flow.options ?? {}))) throw new UnrenderableStepError(`flow ${context.flow.name}: step ${stepName} reads option ${option}, which the flow does not declare`);
    // A pipeline parameter (string): `strata` passes "true" / "false", as the handlers read it.
    return quoted(`pipeline().parameters.${option}`);
  }
  if (value.startsWith('$$')) {
    throw new UnrenderableStepError(
      `flow ${context.flow.name}: step ${stepName} reads ${value}, a Step Functions context path with no Data Factory rendering (${RUN_ID}, ${MAP_ITEM} and its fields have one)`,
    );
  }
  // Any other `$…` is a path to the flow's state, as the AWS rendering reads it.
  if (value.startsWith('$')) return encoded(activityOutput(value, stepName, context));
  return literal(value);
}

function inputFields(input: StepInput, stepName: string, inMap: boolean, context: RenderContext): Map<string, JsonPieces> {
  return new Map(Object.entries(input).map(([field, value]) => [field, inputValue(value, stepName, inMap, context)]));
}

// ------------------------------------------------------------- renderers

const policy = (timeout: string, secure: { secureInput?: boolean; secureOutput?: boolean } = {}) => ({
  timeout,
  ...DATA_FACTORY_RETRY,
  secureInput: secure.secureInput ?? false,
  secureOutput: secure.secureOutput ?? false,
});

function handlerOf(step: Omit<TaskStep, 'resultPath'>, flow: FlowDefinition) {
  const handler = Object.hasOwn(HANDLERS, step.handler) ? HANDLERS[step.handler] : undefined;
  if (!handler) throw new UnrenderableStepError(`flow ${flow.name}: step ${step.name} calls the unknown handler ${String(step.handler)}`);
  return handler;
}

/**
 * A task (or a map's inner task) as a WebHook on its handler's function: the
 * step's input as the JSON body, the function key from the class's key
 * activity, the pipeline waiting for the function's callback.
 */
function functionActivity(step: Omit<TaskStep, 'resultPath'>, inMap: boolean, context: RenderContext): DataFactoryActivity {
  const { targets } = context;
  const handler = handlerOf(step, context.flow);
  // `step.managed` (a SageMaker job on AWS) is ignored on purpose: on Azure the
  // handler runs the step on the embedded engine inside the ml function app.
  return {
    name: step.name,
    description: handler.description,
    type: 'WebHook',
    dependsOn: [],
    // A control activity: no retry or timeout in its policy; the request (key header included) is not logged.
    policy: { secureInput: true, secureOutput: false },
    userProperties: [],
    typeProperties: {
      url: `${targets.functionUrl(handler.handlerClass)}/api/${functionRoute(step.handler)}`,
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        [FUNCTION_KEY_HEADER]: { value: `@${activityOutputOf(functionKeyActivityName(handler.handlerClass))}.value`, type: 'Expression' },
      },
      body: { value: expressionOf(jsonObject(inputFields(step.input, step.name, inMap, context)), true), type: 'Expression' },
      timeout: targets.activityTimeout(handler.handlerClass),
      reportStatusOnCallBack: true,
    },
  };
}

const activityOutputOf = (name: string) => `activity(${adfStringLiteral(name)}).output`;

/** The handler classes a flow's task steps (map inner steps included) call, in HANDLERS order. */
function handlerClassesOf(flow: FlowDefinition): HandlerClass[] {
  const classes = new Set<HandlerClass>();
  for (const step of flow.steps) {
    const task = step.kind === 'task' ? step : step.kind === 'map' && (step.step as { kind?: unknown }).kind === 'task' ? step.step : undefined;
    if (task) classes.add(handlerOf(task, flow).handlerClass);
  }
  const order = [...new Set(Object.values(HANDLERS).map((handler) => handler.handlerClass))];
  return order.filter((handlerClass) => classes.has(handlerClass));
}

/** A Web activity reading a class's function key from Key Vault with the factory's identity; its output (the secret) is not logged. */
function keyActivity(handlerClass: HandlerClass, targets: DataFactoryTargets): DataFactoryActivity {
  return {
    name: functionKeyActivityName(handlerClass),
    description: `Reads the ${handlerClass} function app's key from Key Vault for the steps that call it.`,
    type: 'WebActivity',
    dependsOn: [],
    policy: policy(KEY_FETCH_TIMEOUT, { secureOutput: true }),
    userProperties: [],
    typeProperties: {
      url: targets.functionKeySecretUrl(handlerClass),
      method: 'GET',
      authentication: { type: 'MSI', resource: KEY_VAULT_RESOURCE },
      ...(targets.keyVaultRuntime === undefined ? {} : { connectVia: { referenceName: targets.keyVaultRuntime, type: 'IntegrationRuntimeReference' } }),
    },
  };
}

function renderTask(step: TaskStep, context: RenderContext): DataFactoryActivity[] {
  const jobs = context.targets.databricksJobs;
  const jobId = step.managed && jobs ? jobs.jobId(step.managed.model) : undefined;
  if (!step.managed || !jobs || jobId === undefined) return [functionActivity(step, false, context)];
  return step.managed.job === 'training' ? renderDatabricksTraining(step, jobs, jobId, context) : renderDatabricksScoring(step, jobs, jobId, context);
}

// ------------------------------------------------- managed steps on Databricks

/**
 * Why Data Factory's Databricks Job activity (type DatabricksJob: jobId and
 * jobParameters through an Azure Databricks linked service) and not a Web
 * activity on the Jobs API (POST /api/2.1/jobs/run-now, then an Until loop
 * polling /api/2.1/jobs/runs/get): the activity starts the run, waits for it
 * and fails when the run fails, with the run's page in its output, in one
 * activity the factory's monitoring understands; the loop would rebuild that
 * from a Wait, a Web activity and an expression over life_cycle_state and
 * result_state, billed per poll. The job defines its own job cluster, so the
 * linked service names no cluster.
 */
export const DATABRICKS_JOB_ACTIVITY = 'DatabricksJob';

/** A run of the model's job: the pipeline's run id, the mode, and for scoring the champion's model. */
function jobActivity(name: string, description: string, jobs: DatabricksJobTargets, jobId: string, mode: TrainingJobMode, modelKey = ''): DataFactoryActivity {
  const parameters = { [JOB.runId]: '@pipeline().RunId', [JOB.mode]: mode, [JOB.modelKey]: modelKey };
  return {
    name,
    description,
    type: DATABRICKS_JOB_ACTIVITY,
    dependsOn: [],
    // Not retried: a run that failed failed for its data or code (as a SageMaker job's failure is not retried on AWS).
    policy: { timeout: jobs.timeout, retry: 0, retryIntervalInSeconds: DATA_FACTORY_RETRY.retryIntervalInSeconds, secureInput: false, secureOutput: false },
    userProperties: [],
    linkedServiceName: { referenceName: jobs.linkedServiceName, type: 'LinkedServiceReference' },
    typeProperties: {
      jobId,
      jobParameters: Object.fromEntries(Object.entries(parameters).map(([key, value]) => [key, value.startsWith('@') ? { value, type: 'Expression' } : value])),
    },
  };
}

const after = (activity: DataFactoryActivity, ...before: DataFactoryActivity[]): DataFactoryActivity => ({
  ...activity,
  dependsOn: before.map((previous) => ({ activity: previous.name, dependencyConditions: ['Succeeded'] })),
});

/** Activity names of a managed step's rendering, besides the step's own name (which the step's result is read by). */
export function databricksActivityNames(step: Pick<TaskStep, 'name' | 'managed'>): string[] {
  if (!step.managed) return [];
  const model = pascalCase(step.managed.model);
  return step.managed.job === 'training'
    ? [`ExportTrainingData${model}`, `RunTrainingJob${model}`, `TrainingDataOf${model}`]
    : [`RunScoringJob${model}`, `LoadScores${model}`, `ScoreWithJob${model}`];
}

/**
 * Train: the export handler writes the training set where the job reads it,
 * the job trains and scores it, and the collect handler, under the step's
 * name (its output is the step's result), records the candidate.
 */
function renderDatabricksTraining(step: TaskStep, jobs: DatabricksJobTargets, jobId: string, context: RenderContext): DataFactoryActivity[] {
  const [exportName, jobName, ifName] = databricksActivityNames(step) as [string, string, string];
  const exportData = functionActivity({ kind: 'task', name: exportName, handler: 'export-training-data', input: step.input }, false, context);
  const run = jobActivity(jobName, `Trains ${step.managed!.model} with XGBoost on a Databricks job cluster (sizing.training.engine databricks).`, jobs, jobId, 'train');
  // A model its training-set step skipped (its workload has no data yet) starts no job: the export says so, as AWS's Choice reads it.
  const hasData: DataFactoryActivity = {
    name: ifName,
    description: 'Skipped by the training-set step (the workload has no data yet): no job.',
    type: 'IfCondition',
    dependsOn: [{ activity: exportData.name, dependencyConditions: ['Succeeded'] }],
    userProperties: [],
    typeProperties: {
      expression: { value: `@not(contains(${activityOutputOf(exportName)}, 'skipped'))`, type: 'Expression' },
      ifTrueActivities: [run],
    },
  };
  const collect = after(functionActivity({ kind: 'task', name: step.name, handler: 'collect-managed-model', input: { ...step.input, engine: 'databricks' } }, false, context), hasData);
  return [exportData, hasData, collect];
}

/**
 * Score: the export handler, under the step's name, scores an embedded
 * champion in-process or writes the snapshot for the job; only for a champion
 * the job trained, the job scores it and the load handler writes the scores
 * (an If Condition, as AWS's Choice on the export's engine).
 */
function renderDatabricksScoring(step: TaskStep, jobs: DatabricksJobTargets, jobId: string, context: RenderContext): DataFactoryActivity[] {
  const [jobName, loadName, ifName] = databricksActivityNames(step) as [string, string, string];
  const exportData = functionActivity({ kind: 'task', name: step.name, handler: 'export-scoring-data', input: step.input }, false, context);
  const exported = activityOutputOf(step.name);
  const run = jobActivity(jobName, `Scores the latest snapshot with ${step.managed!.model}'s champion on a Databricks job cluster.`, jobs, jobId, 'score', `@${exported}.modelKey`);
  const load = after(functionActivity({ kind: 'task', name: loadName, handler: 'load-managed-scores', input: step.input }, false, context), run);
  const choose: DataFactoryActivity = {
    name: ifName,
    description: 'An embedded champion was scored in-process by the export; one the Databricks job trained is scored by the job.',
    type: 'IfCondition',
    dependsOn: [{ activity: step.name, dependencyConditions: ['Succeeded'] }],
    userProperties: [],
    typeProperties: {
      // A skipped export has no engine: `?.` reads it as null rather than failing the activity.
      expression: { value: `@not(or(contains(${exported}, 'skipped'), equals(${exported}?.engine, 'embedded')))`, type: 'Expression' },
      ifTrueActivities: [run, load],
    },
  };
  return [exportData, choose];
}

function renderMap(step: MapStep, context: RenderContext): DataFactoryActivity {
  const { flow } = context;
  const inner = step.step;
  if ((inner as { kind?: unknown }).kind !== 'task') {
    const { name, kind } = inner as { name?: unknown; kind?: unknown };
    throw new UnrenderableStepError(`step ${String(name)} of flow ${flow.name} (kind ${String(kind)}, inside map ${step.name}) has no Azure rendering`);
  }
  const { maxConcurrency } = step;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 0) {
    throw new UnrenderableStepError(`flow ${flow.name}: map step ${step.name} has maxConcurrency ${maxConcurrency}; a ForEach needs a whole number of parallel items`);
  }
  const items =
    'path' in step.items
      ? `@${activityOutput(step.items.path, step.name, context)}`
      : `@json(${adfStringLiteral(JSON.stringify(step.items.values))})`;
  return {
    name: step.name,
    type: 'ForEach',
    dependsOn: [],
    userProperties: [],
    typeProperties: {
      items: { value: items, type: 'Expression' },
      // One at a time means in order too (Step Functions' Map with maxConcurrency 1 runs its items in order).
      ...(maxConcurrency === 1
        ? { isSequential: true }
        : {
            isSequential: false,
            // ADF caps parallel iterations at 50: a larger maxConcurrency (or 0, Step
            // Functions' "no limit") runs 50 at a time.
            batchCount: maxConcurrency === 0 ? MAX_FOREACH_BATCH_COUNT : Math.min(maxConcurrency, MAX_FOREACH_BATCH_COUNT),
          }),
      activities: [functionActivity(inner, true, context)],
    },
  };
}

function renderNotify(step: NotifyStep, context: RenderContext): DataFactoryActivity {
  const { flow, targets } = context;
  // As on AWS: the flow and the run first, the message's fields after them (and over them).
  const data = new Map<string, JsonPieces>([
    ['flow', literal(flow.name)],
    ['runId', quoted('pipeline().RunId')],
    ['subject', literal(step.subject)],
  ]);
  for (const [field, value] of inputFields(step.message, step.name, false, context)) data.set(field, value);
  const event = jsonObject(
    new Map<string, JsonPieces>([
      ['id', quoted('pipeline().RunId')],
      ['eventType', literal(FLOW_NOTIFICATION_EVENT_TYPE)],
      ['subject', literal(`strata/${targets.environmentName}/${flow.name}`)],
      ['eventTime', quoted('utcnow()')],
      ['dataVersion', literal(FLOW_NOTIFICATION_DATA_VERSION)],
      ['data', jsonObject(data)],
    ]),
  );
  return {
    name: step.name,
    description: `Publishes "${step.subject}" to the flow's Event Grid topic.`,
    type: 'WebActivity',
    dependsOn: [],
    policy: policy(NOTIFY_TIMEOUT),
    userProperties: [],
    typeProperties: {
      url: targets.notificationEndpoint,
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: { value: expressionOf([text('['), ...event, text(']')]), type: 'Expression' },
      authentication: { type: 'MSI', resource: EVENT_GRID_RESOURCE },
    },
  };
}

/** One rendering per step kind: a kind without one is a type error here. */
const RENDERERS = {
  task: renderTask,
  map: renderMap,
  notify: renderNotify,
} satisfies { readonly [Kind in Exclude<FlowStep['kind'], 'continue-if'>]: (step: Extract<FlowStep, { kind: Kind }>, context: RenderContext) => DataFactoryActivity | DataFactoryActivity[] };

/** A step's activities, in order: one, or a managed step's chain (each after the one before it). */
function renderStep(step: FlowStep, context: RenderContext): DataFactoryActivity[] {
  switch (step.kind) {
    case 'task':
      return RENDERERS.task(step, context);
    case 'map':
      return [RENDERERS.map(step, context)];
    case 'notify':
      return [RENDERERS.notify(step, context)];
    case 'continue-if':
      // Split off by renderDataFactoryPipelines: an If Condition that runs the rest as a pipeline of its own.
      throw new UnrenderableStepError(`flow ${context.flow.name}: continue-if step ${step.name} is rendered by renderDataFactoryPipelines, not as one activity`);
    default:
      // A new kind: a type error here (step is not `never`), and at run time for anything cast.
      return noAzureRendering(step, context.flow);
  }
}

function noAzureRendering(step: never, flow: FlowDefinition): never {
  const { name, kind } = (step ?? {}) as { name?: unknown; kind?: unknown };
  throw new UnrenderableStepError(`step ${String(name)} of flow ${flow.name} (kind ${String(kind)}) has no Azure rendering`);
}

function checkActivityNames(flow: FlowDefinition, targets: DataFactoryTargets): void {
  const managedNames = (step: FlowStep) =>
    step.kind === 'task' && step.managed && targets.databricksJobs?.jobId(step.managed.model) !== undefined ? databricksActivityNames(step) : [];
  const names = flow.steps.flatMap((step) => [step.name, ...(step.kind === 'map' ? [step.step.name] : []), ...managedNames(step)]);
  const keyNames = new Set<string>(HANDLER_CLASS_NAMES.map(functionKeyActivityName));
  for (const name of names) {
    if (keyNames.has(name)) throw new UnrenderableStepError(`flow ${flow.name}: step ${name} has the name of a function key activity; rename the step`);
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_ACTIVITY_NAME || FORBIDDEN_IN_ACTIVITY_NAME.test(name)) {
      throw new UnrenderableStepError(
        `flow ${flow.name}: step ${String(name)} is not a Data Factory activity name (1-${MAX_ACTIVITY_NAME} characters, none of . + ? / < > * % & : \\ ')`,
      );
    }
    if (seen.has(name)) throw new UnrenderableStepError(`flow ${flow.name}: two steps are named ${name}; Data Factory activity names are unique in a pipeline`);
    seen.add(name);
  }
}

/**
 * The flow's steps as ADF pipeline activities: first one key activity per
 * handler class the steps call (in parallel), then the steps chained in order
 * (the first depends on every key activity, each next one on the previous
 * step Succeeded, or Completed after a map tolerating item failures). Throws UnrenderableStepError for a step Data Factory
 * cannot run as written.
 */
export function renderDataFactoryActivities(flow: FlowDefinition, targets: DataFactoryTargets): DataFactoryActivity[] {
  if (flow.steps.length === 0) throw new UnrenderableStepError(`flow ${flow.name} has no steps`);
  if (flow.steps.some((step) => step.kind === 'continue-if')) {
    throw new UnrenderableStepError(`flow ${flow.name} has a continue-if step: it renders as two pipelines (renderDataFactoryPipelines)`);
  }
  checkActivityNames(flow, targets);
  const keys = handlerClassesOf(flow).map((handlerClass) => keyActivity(handlerClass, targets));
  const steps: DataFactoryActivity[] = [];
  flow.steps.forEach((step, index) => {
    const [activity, ...rest] = renderStep(step, { flow, targets, earlier: flow.steps.slice(0, index) });
    const previous = steps.at(-1);
    const before = previous ? [previous] : keys;
    // A ForEach fails when any iteration fails; after a map that tolerates its
    // items' failures the next step runs anyway (Completed: succeeded or failed),
    // as the Step Functions rendering catches each item's failure.
    const previousStep = flow.steps[index - 1];
    const condition = previousStep?.kind === 'map' && previousStep.toleratesItemFailures === true ? 'Completed' : 'Succeeded';
    activity!.dependsOn = before.map((earlier) => ({ activity: earlier.name, dependencyConditions: [condition] }));
    // A managed step's chain is in order already: each of its activities depends on the one before it.
    steps.push(activity!, ...rest);
  });
  return [...keys, ...steps];
}

/** One Data Factory pipeline of a flow: its name and activities. */
export interface DataFactoryPipelineRendering {
  readonly name: string;
  readonly activities: DataFactoryActivity[];
}

/** The pipeline that runs the steps after a flow's continue-if step: `<pipeline>-steps`. */
export const continuedPipelineName = (pipelineName: string): string => `${pipelineName}-steps`;

/**
 * The flow as Data Factory pipelines. A flow without a continue-if step is one
 * pipeline. A continue-if step ends the first pipeline with an If Condition
 * whose true branch runs the rest of the steps as a second pipeline (Execute
 * Pipeline, waiting for it, with the run options passed on): Data Factory
 * nests no ForEach inside an If (its documented way round is Execute
 * Pipeline), and a run that skips then ends succeeded, as on AWS. The second
 * pipeline's steps share its own run id (not the first pipeline's), under
 * which its handlers record what they did and its quality check reads it.
 */
export function renderDataFactoryPipelines(flow: FlowDefinition, targets: DataFactoryTargets, pipelineName: string): DataFactoryPipelineRendering[] {
  const at = flow.steps.findIndex((step) => step.kind === 'continue-if');
  if (at === -1) return [{ name: pipelineName, activities: renderDataFactoryActivities(flow, targets) }];
  const gate = flow.steps[at] as ContinueIfStep;
  const before = flow.steps.slice(0, at);
  const after = flow.steps.slice(at + 1);
  if (before.length === 0) throw new UnrenderableStepError(`flow ${flow.name} starts with continue-if step ${gate.name}, which has no result to read yet`);
  if (after.length === 0) throw new UnrenderableStepError(`flow ${flow.name} ends with continue-if step ${gate.name}; nothing would follow it`);
  const context: RenderContext = { flow, targets, earlier: before };
  const condition = `@bool(${activityOutput(gate.path, gate.name, context)})`;
  const first = renderDataFactoryActivities({ ...flow, steps: before }, targets);
  const continued = continuedPipelineName(pipelineName);
  const options = Object.keys(flow.options ?? {});
  const runRest: DataFactoryActivity = {
    name: `Run-${continued}`.slice(0, MAX_ACTIVITY_NAME),
    type: 'ExecutePipeline',
    dependsOn: [],
    userProperties: [],
    typeProperties: {
      pipeline: { referenceName: continued, type: 'PipelineReference' },
      waitOnCompletion: true,
      ...(options.length > 0 ? { parameters: Object.fromEntries(options.map((option) => [option, { value: `@pipeline().parameters.${option}`, type: 'Expression' }])) } : {}),
    },
  };
  const last = first.at(-1)!;
  const ifActivity: DataFactoryActivity = {
    name: gate.name,
    type: 'IfCondition',
    dependsOn: [{ activity: last.name, dependencyConditions: ['Succeeded'] }],
    userProperties: [],
    typeProperties: {
      expression: { value: condition, type: 'Expression' },
      // False: nothing to do; the run ends here, succeeded (its reason is in the previous step's output).
      ifTrueActivities: [runRest],
    },
  };
  return [
    { name: pipelineName, activities: [...first, ifActivity] },
    { name: continued, activities: renderDataFactoryActivities({ ...flow, steps: after }, targets) },
  ];
}
