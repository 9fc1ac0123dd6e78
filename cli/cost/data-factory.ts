/**
 * What one run of a Data Factory pipeline is billed for, read from its
 * synthesized `activities_json`: activity runs (orchestration, every activity
 * including ForEach and If itself), and the activities that execute on the
 * Azure integration runtime, split as the price page splits them (external:
 * Azure Function, Web, Databricks...; pipeline: Lookup, Get Metadata...).
 * Control activities (ForEach, If, Set Variable, Wait...) are activity runs only.
 *
 * Handler steps on Azure are WebHook activities (stacks/azure/flows): the
 * activity lasts until the function calls back, so its external time is the
 * handler's run, and the handler is read from the URL (`…/api/<handler>`).
 * The Web activities that read the function keys from Key Vault at the start
 * of a pipeline are one activity run and one started external minute each.
 */
import { HANDLERS, type HandlerName } from '../../pipelines/flows/index.ts';
import type { HandlerClass } from '../../config/schema.ts';


/** Activities priced at the external-activity rate (they run on a linked service, the IR only waits). */
const EXTERNAL = new Set(['AzureFunctionActivity', 'WebActivity', 'WebHook', 'DatabricksJob', 'DatabricksNotebook', 'DatabricksSparkJar', 'DatabricksSparkPython', 'SqlServerStoredProcedure', 'Script', 'AzureMLExecutePipeline']);
/** Activities priced at the pipeline-activity rate (they run on the IR itself). */
const PIPELINE = new Set(['Lookup', 'GetMetadata', 'Delete', 'Validation']);

export interface ExternalActivity {
  readonly name: string;
  readonly type: string;
  /** Runs per pipeline run (ForEach items multiply). */
  readonly count: number;
  /** The linked service it calls (`linkedServiceName.referenceName`), for finding the function app behind it. */
  readonly linkedService?: string;
  /** A WebHook on a handler's function (`…/api/<handler>`): the handler, whose run the activity waits for. */
  readonly handler?: HandlerName;
  /** That handler's class, whose usage seconds are the activity's duration. */
  readonly handlerClass?: HandlerClass;
}

/** The handler a WebHook's URL calls (`https://<app>/api/<handler>`), if it is one. */
export function webHookHandler(activity: { type?: unknown; typeProperties?: Record<string, unknown> }): HandlerName | undefined {
  if (activity.type !== 'WebHook') return undefined;
  const url = activity.typeProperties?.url;
  const text = typeof url === 'string' ? url : typeof (url as { value?: unknown } | undefined)?.value === 'string' ? (url as { value: string }).value : undefined;
  const handler = text === undefined ? undefined : /\/api\/([\w-]+)$/.exec(text)?.[1];
  return handler !== undefined && Object.hasOwn(HANDLERS, handler) ? (handler as HandlerName) : undefined;
}

export interface PipelineRun {
  /** Activity runs per pipeline run. */
  readonly activityRuns: number;
  readonly external: ExternalActivity[];
  /** Pipeline-activity runs per pipeline run. */
  readonly pipelineActivities: number;
  /** Copy activities, which bill data movement (DIU-hours) and are not priced here. */
  readonly copies: number;
  /** How the ForEach item counts were found, e.g. `BuildTrustedTables x 9 (fixed list)`. */
  readonly loops: string[];
}

type Activity = Record<string, unknown> & { name?: string; type?: string; typeProperties?: Record<string, unknown> };

/**
 * Counts one run of a pipeline. `dynamicItems` is the usage figure for a
 * ForEach whose list is computed at run time; `parameters` are the pipeline's
 * own parameters (a list passed as a default value is counted as written).
 * If/Switch count the activity runs of their largest branch (the external
 * activities of every branch are listed: an upper bound of fractions of a
 * cent); Until counts one iteration.
 */
export function countPipelineRun(activitiesJson: unknown, dynamicItems: number, parameters: Record<string, unknown> = {}): PipelineRun {
  const activities = parseActivities(activitiesJson);
  const loops: string[] = [];
  const external = new Map<string, ExternalActivity>();
  let pipelineActivities = 0;
  let copies = 0;

  const walk = (list: Activity[], multiplier: number): number => {
    let runs = 0;
    for (const activity of list) {
      runs += multiplier;
      const type = String(activity.type ?? '');
      const props = activity.typeProperties ?? {};
      if (EXTERNAL.has(type)) {
        const key = `${type}|${String(activity.name)}`;
        const linked = (activity.linkedServiceName as { referenceName?: unknown } | undefined)?.referenceName;
        const previous = external.get(key);
        const handler = webHookHandler(activity);
        external.set(key, {
          name: String(activity.name),
          type,
          count: (previous?.count ?? 0) + multiplier,
          ...(typeof linked === 'string' ? { linkedService: linked } : {}),
          ...(handler ? { handler, handlerClass: HANDLERS[handler].handlerClass } : {}),
        });
      } else if (PIPELINE.has(type)) pipelineActivities += multiplier;
      else if (type === 'Copy') copies += multiplier;
      if (type === 'ForEach') {
        const { items, how } = forEachItems(props.items, dynamicItems, parameters);
        loops.push(`${String(activity.name)} x ${items} (${how})`);
        runs += walk(asActivities(props.activities), multiplier * items);
      } else if (type === 'IfCondition') {
        runs += Math.max(branch(props.ifTrueActivities, multiplier), branch(props.ifFalseActivities, multiplier));
      } else if (type === 'Switch') {
        const cases = (Array.isArray(props.cases) ? props.cases : []) as Array<{ activities?: unknown }>;
        runs += Math.max(branch(props.defaultActivities, multiplier), ...cases.map((c) => branch(c.activities, multiplier)));
      } else if (type === 'Until') {
        runs += walk(asActivities(props.activities), multiplier);
      }
    }
    return runs;
  };
  const branch = (value: unknown, multiplier: number): number => walk(asActivities(value), multiplier);

  const activityRuns = walk(activities, 1);
  return { activityRuns, external: [...external.values()], pipelineActivities, copies, loops };
}

function parseActivities(value: unknown): Activity[] {
  if (Array.isArray(value)) return value as Activity[];
  if (typeof value !== 'string') return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? (parsed as Activity[]) : [];
  } catch {
    return [];
  }
}

function asActivities(value: unknown): Activity[] {
  return Array.isArray(value) ? (value as Activity[]) : [];
}

/**
 * Items of a ForEach: a literal array, `@createArray('a','b')`, `@json('[...]')`,
 * or `@pipeline().parameters.<name>` whose default is a list are counted as
 * written; anything else is computed at run time and takes the usage figure.
 */
export function forEachItems(items: unknown, dynamicItems: number, parameters: Record<string, unknown> = {}): { items: number; how: string } {
  if (Array.isArray(items)) return { items: items.length, how: 'fixed list' };
  const expression = typeof items === 'string' ? items : typeof (items as { value?: unknown } | undefined)?.value === 'string' ? ((items as { value: string }).value) : undefined;
  const dynamic = { items: dynamicItems, how: 'computed at run time: usage dataFactory.forEachItemsWhenDynamic' };
  if (expression === undefined) return dynamic;
  const text = expression.trim();
  const created = /^@createArray\(([\s\S]*)\)$/.exec(text);
  if (created) return { items: splitArguments(created[1]!).length, how: 'fixed list' };
  const json = /^@json\('([\s\S]*)'\)$/.exec(text);
  if (json) {
    const list = safeArray(json[1]!.replace(/''/g, "'"));
    if (list) return { items: list.length, how: 'fixed list' };
  }
  const parameter = /^@pipeline\(\)\.parameters\.(\w+)$/.exec(text);
  if (parameter) {
    const value = parameters[parameter[1]!];
    const list = Array.isArray(value) ? value : typeof value === 'string' ? safeArray(value) : (value as { default?: unknown } | undefined)?.default;
    if (Array.isArray(list)) return { items: list.length, how: `parameter ${parameter[1]} default` };
  }
  return dynamic;
}

function safeArray(text: string): unknown[] | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Top-level comma-separated arguments of an ADF expression call, quotes and brackets respected. */
function splitArguments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === "'") {
      if (quoted && text[i + 1] === "'") {
        current += "''";
        i++;
        continue;
      }
      quoted = !quoted;
    } else if (!quoted && (char === '(' || char === '[')) depth++;
    else if (!quoted && (char === ')' || char === ']')) depth--;
    else if (!quoted && depth === 0 && char === ',') {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += char;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}
