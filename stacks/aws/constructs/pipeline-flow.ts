import { ArnFormat, Duration, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../acknowledge-wildcards.ts';
import { SchedulerRole } from './scheduler-role.ts';
import { NON_RETRYABLE_ERRORS, OPTIONS_PATH, type FlowDefinition, type HandlerName, type StepInput, type TaskStep } from '../../../pipelines/flows/index.ts';

/**
 * States a managed service runs in place of a step's handler (`step.managed`);
 * the flow adds the catch to its failure path. Undefined keeps the handler.
 */
export type ManagedStepRenderer = (scope: Construct, step: TaskStep) => ManagedRendering | undefined;

export interface ManagedRendering {
  /** The states, chained from the first to the one the flow continues from (branches allowed). */
  readonly chain: sfn.Chain;
  /** Its task states, each of which the flow catches into its failure path. */
  readonly tasks: readonly sfn.TaskStateBase[];
  /** What the flow's role needs to run them (the jobs, passing their role, reading their events). */
  readonly statements: readonly iam.PolicyStatement[];
  /** Handlers its states invoke (exporting data for a job, reading its output back). */
  readonly handlers: readonly HandlerName[];
}

export interface PipelineFlowProps {
  readonly flow: FlowDefinition;
  readonly stateMachineName: string;
  /** The function of every handler the flow names. */
  readonly functions: Record<HandlerName, lambda.IFunction>;
  /** Failed runs are published here, by the flow's failure path and by its alarm. */
  readonly failureTopic: sns.ITopic;
  /**
   * Where a flow's notify steps publish (a run's outcome, for the people who act on it).
   * @default - a flow with notify steps cannot be rendered
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * Renders the steps a managed service runs (SageMaker training and transform jobs).
   * @default - every step runs its handler
   */
  readonly managedSteps?: ManagedStepRenderer;
  /** EventBridge Scheduler expression that starts the flow. */
  readonly schedule: string;
  /**
   * The bucket and prefix whose new objects start the flow (`flow.startsOnLanding`); the bucket sends its
   * events to EventBridge.
   * @default - a flow that starts on landing cannot be rendered
   */
  readonly landing?: { readonly bucketName: string; readonly prefix: string };
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** Where the scheduler puts starts it could not deliver. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * A run taking longer than this is stopped and counts as failed.
   * @default Duration.hours(1)
   */
  readonly timeout?: Duration;
}

/** Cost allocation tag: the flow (pipelines/flows) a state machine and its log group, role and alarm belong to. */
export const FLOW_TAG = 'strata:flow';

/** Handler retries: backoff with jitter for anything transient, never for a failed quality gate. */
const RETRY = { interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 3, jitterStrategy: sfn.JitterType.FULL } as const;

/**
 * The states every flow starts with: one run of a flow at a time (see
 * `overlapGuard`). Exported for tests, which tell them from the flow's steps.
 */
export const OVERLAP_GUARD_STATES = {
  start: 'OneRunAtATime',
  list: 'ListRunningExecutions',
  read: 'ReadRunningExecutions',
  anyListed: 'IsAnyRunListed',
  find: 'FindThisRun',
  oldest: 'OldestRunningExecution',
  decide: 'IsThisTheOldestRun',
  wait: 'WaitForListing',
  notListed: 'ListingMissesThisRun',
  skip: 'SkipOverlappingRun',
  skipped: 'SkippedOverlappingRun',
  goOn: 'NoOverlappingRun',
} as const;

/** Passes of a repeating flow (`repeatWhileAny`) in one run at most. */
export const MAX_PASSES = 3;

/** How often the guard lists again when the listing does not show this run yet (ListExecutions is eventually consistent). */
const GUARD_LISTINGS = 5;
const GUARD_WAIT = Duration.seconds(2);

/** `$`-paths and `$$`-paths are read from the run; anything else is a literal value. */
function payloadOf(input: StepInput): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).map(([field, value]) => [field, value.startsWith('$') ? sfn.JsonPath.stringAt(value) : value]));
}

/**
 * A flow rendered as a Step Functions state machine: one Lambda task per
 * step (Map for per-item steps), each with retries and a catch to a failure
 * path that notifies and fails; ALL-level logs to an encrypted log group;
 * X-Ray; an alarm on failed runs; a schedule from the environment. Its
 * resources are tagged with the flow's name for cost reports.
 */
export class PipelineFlow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  readonly failedRunsAlarm: cloudwatch.Alarm;
  readonly schedule: scheduler.Schedule;
  /** Starts the flow when a file lands (flows that start on landing). */
  readonly landingRule?: events.Rule;

  constructor(scope: Construct, id: string, props: PipelineFlowProps) {
    super(scope, id);
    const { flow } = props;
    Tags.of(this).add(FLOW_TAG, flow.name);

    const notify = new tasks.SnsPublish(this, 'NotifyFailure', {
      topic: props.failureTopic,
      subject: `${props.stateMachineName} failed`,
      message: sfn.TaskInput.fromObject({
        flow: flow.name,
        execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
        error: sfn.JsonPath.stringAt('$.error.Error'),
        cause: sfn.JsonPath.stringAt('$.error.Cause'),
      }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    // A lost notification would hide the original error; the alarm still fires if even this fails.
    notify.addRetry({ errors: [sfn.Errors.ALL], ...RETRY });
    const failed = notify.next(new sfn.Fail(this, 'Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' }));

    const task = (step: Omit<TaskStep, 'resultPath'>, payload?: sfn.TaskInput, resultPath?: string) => {
      const invoke = new tasks.LambdaInvoke(this, step.name, {
        lambdaFunction: props.functions[step.handler],
        payload,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath,
      });
      invoke.addRetry({ errors: [...NON_RETRYABLE_ERRORS], maxAttempts: 0 });
      invoke.addRetry({ errors: [sfn.Errors.ALL], ...RETRY });
      return invoke;
    };

    const states: (sfn.TaskStateBase | sfn.Map | sfn.Pass | sfn.Chain | sfn.Choice)[] = [];
    const managedStatements: iam.PolicyStatement[] = [];
    const managedHandlers: HandlerName[] = [];
    // The Choice of each continue-if step, and the boolean it goes on by.
    const gatePaths = new Map<sfn.Choice, string>();
    for (const step of flow.steps) {
      if (step.kind === 'task') {
        const managed = step.managed ? props.managedSteps?.(this, step) : undefined;
        if (managed) {
          for (const state of managed.tasks) state.addCatch(failed, { resultPath: '$.error' });
          states.push(managed.chain);
          managedStatements.push(...managed.statements);
          managedHandlers.push(...managed.handlers);
          continue;
        }
        states.push(task(step, sfn.TaskInput.fromObject(payloadOf(step.input)), step.resultPath).addCatch(failed, { resultPath: '$.error' }));
        continue;
      }
      if (step.kind === 'continue-if') {
        // The run's output on a skip is its log line: the state machine logs ALL with execution data.
        const skip = new sfn.Pass(this, `${step.name}Not`, { comment: `${step.path} is false: the run ends here, succeeded.`, parameters: { 'skipped.$': step.reasonPath } });
        skip.next(new sfn.Succeed(this, `${step.name}Skipped`, { comment: 'Nothing to do in this run.' }));
        const choice = new sfn.Choice(this, step.name, { comment: `Goes on only when ${step.path} is true.` }).otherwise(skip);
        gatePaths.set(choice, step.path);
        states.push(choice);
        continue;
      }
      if (step.kind === 'notify') {
        if (!props.notificationTopic) throw new Error(`flow ${flow.name}: step ${step.name} notifies, and no notification topic was given`);
        const publish = new tasks.SnsPublish(this, step.name, {
          topic: props.notificationTopic,
          subject: `${props.stateMachineName}: ${step.subject}`,
          message: sfn.TaskInput.fromObject({ flow: flow.name, execution: sfn.JsonPath.stringAt('$$.Execution.Id'), ...payloadOf(step.message) }),
          resultPath: sfn.JsonPath.DISCARD,
        });
        publish.addRetry({ errors: [sfn.Errors.ALL], ...RETRY });
        states.push(publish.addCatch(failed, { resultPath: '$.error' }));
        continue;
      }
      let itemsPath: string;
      if ('path' in step.items) {
        itemsPath = step.items.path;
      } else {
        // Items known at synth time are written into the definition, where a reviewer sees them.
        itemsPath = `$.${step.name}Items`;
        states.push(new sfn.Pass(this, `${step.name}Items`, { result: sfn.Result.fromArray([...step.items.values]), resultPath: itemsPath }));
      }
      const map = new sfn.Map(this, step.name, {
        itemsPath,
        maxConcurrency: step.maxConcurrency,
        itemSelector: payloadOf(step.step.input),
        // How many items ran, not their results: those grow with the items past the state's 256 KiB.
        resultSelector: { 'items.$': 'States.ArrayLength($)' },
        resultPath: step.resultPath,
      });
      // No payload: the task gets the item as the Map's ItemSelector shaped it.
      const item = task(step.step);
      if (step.toleratesItemFailures) {
        // An item failing (after its retries) ends its iteration with its error
        // (`{ ...item, error }`) instead of failing the Map: the others run on,
        // and the step after the Map runs (it reads from the lake what each item
        // wrote). Not `ToleratedFailurePercentage: 100`: Step Functions accepts
        // that on a distributed Map only (child executions), and sfn.Map has no
        // such prop; a catch inside the iteration is the inline Map's way.
        item.addCatch(new sfn.Pass(this, `${step.step.name}ItemFailed`, { comment: `An item of ${step.name} failed; the map goes on.` }), { resultPath: '$.error' });
      }
      map.itemProcessor(item);
      states.push(map.addCatch(failed, { resultPath: '$.error' }));
    }
    if (flow.options) {
      // The execution input over the defaults: a scheduled run starts with {}, a person may pass { "fullRefresh": true }.
      states.unshift(
        new sfn.Pass(this, 'OptionDefaults', { result: sfn.Result.fromObject({ ...flow.options }), resultPath: '$.optionDefaults' }),
        new sfn.Pass(this, 'Options', {
          comment: `Run options (${Object.keys(flow.options).join(', ')}): the execution input merged over their defaults.`,
          parameters: { [`${OPTIONS_PATH.slice(2)}.$`]: 'States.JsonMerge($.optionDefaults, $$.Execution.Input, false)' },
        }),
      );
    }
    const [first, ...rest] = states;
    if (!first) throw new Error(`flow ${flow.name} has no steps`);
    const startAt = first instanceof sfn.Choice ? undefined : first;
    if (!startAt) throw new Error(`flow ${flow.name} starts with a continue-if step, which has no result to read yet`);
    // A continue-if step is a Choice: the steps after it hang on its true branch, and the chain goes on from there.
    let steps: sfn.Chain = sfn.Chain.start(startAt);
    let gate: { choice: sfn.Choice; path: string } | undefined;
    for (const state of rest) {
      if (gate) {
        gate.choice.when(sfn.Condition.booleanEquals(gate.path, true), state as sfn.IChainable);
        steps = sfn.Chain.sequence(steps, sfn.Chain.start(state as sfn.IChainable));
        gate = undefined;
      } else {
        steps = steps.next(state);
      }
      const path = state instanceof sfn.Choice ? gatePaths.get(state) : undefined;
      if (path !== undefined) gate = { choice: state as sfn.Choice, path };
    }
    if (gate) throw new Error(`flow ${flow.name} ends with a continue-if step; nothing would follow it`);
    const succeeded = new sfn.Succeed(this, 'Succeeded');
    if (flow.repeatWhileAny) {
      // Another pass while the last one found anything: what landed after this run listed is taken by it, since a run
      // its event started meanwhile was skipped (one run at a time). A pass that finds nothing ends the run, and so
      // does the last of MAX_PASSES: a steady stream of drops must not hold a run until its timeout, nor grow its
      // history past Step Functions' 25,000 events (a pass of a full listing is several thousand). What is left
      // waits for the next drop's run or the sweep.
      const passes = new sfn.Pass(this, 'CountPasses', { result: sfn.Result.fromObject({ done: 1 }), resultPath: '$.passes' });
      const another = new sfn.Pass(this, 'AnotherPass', { parameters: { 'done.$': 'States.MathAdd($.passes.done, 1)' }, resultPath: '$.passes' });
      another.next(startAt);
      passes.next(startAt);
      // sequence() does not link: passes.next(startAt) did; the chain starts at passes and ends where the steps end.
      steps = sfn.Chain.sequence(passes, steps).next(
        new sfn.Choice(this, 'FoundAnything', { comment: `Runs the steps again while ${flow.repeatWhileAny} of the last pass is not empty, ${MAX_PASSES} passes at most.` })
          .when(sfn.Condition.and(sfn.Condition.isPresent(`${flow.repeatWhileAny}[0]`), sfn.Condition.numberLessThan('$.passes.done', MAX_PASSES)), another)
          .otherwise(succeeded),
      );
    } else {
      steps = steps.next(succeeded);
    }

    const stack = Stack.of(this);
    // Its own ARN from its name: the state machine's stateMachineArn in the role's policy would make the two depend on each other.
    const ownArn = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: props.stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const chain = this.overlapGuard(flow.name, ownArn, failed, steps);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      encryptionKey: props.key,
      retention: props.logRetention,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `${props.stateMachineName}: lists its own running executions, invokes its handlers, notifies failures, logs and traces`,
    });
    const handlersUsed = flow.steps.flatMap((step) => (step.kind === 'task' ? [step.handler] : step.kind === 'map' ? [step.step.handler] : []));
    const usedFunctions = [...new Set([...handlersUsed, ...managedHandlers])].map((handler) => props.functions[handler].functionArn);
    const topics = [props.failureTopic, ...(flow.steps.some((step) => step.kind === 'notify') && props.notificationTopic ? [props.notificationTopic] : [])];
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `${props.stateMachineName}: least privilege`,
      roles: [role],
      statements: [
        new iam.PolicyStatement({ sid: 'InvokeHandlers', actions: ['lambda:InvokeFunction'], resources: usedFunctions }),
        new iam.PolicyStatement({ sid: 'Notify', actions: ['sns:Publish'], resources: topics.map((topic) => topic.topicArn) }),
        // The overlap guard lists the running executions of this state machine, and of no other.
        new iam.PolicyStatement({ sid: 'ListOwnExecutions', actions: ['states:ListExecutions'], resources: [ownArn] }),
        ...managedStatements,
        new iam.PolicyStatement({ sid: 'EncryptedTopic', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [props.key.keyArn] }),
        new iam.PolicyStatement({
          sid: 'DeliverLogs',
          actions: [
            'logs:CreateLogDelivery',
            'logs:GetLogDelivery',
            'logs:UpdateLogDelivery',
            'logs:DeleteLogDelivery',
            'logs:ListLogDeliveries',
            'logs:PutResourcePolicy',
            'logs:DescribeResourcePolicies',
            'logs:DescribeLogGroups',
          ],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'Tracing',
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
          resources: ['*'],
        }),
      ],
    });
    acknowledgeWildcardResources(policy, [
      { resource: '*', reason: 'CloudWatch Logs vended-log delivery and X-Ray tracing accept no narrower resource (Step Functions logging and tracing documentation).' },
    ]);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      role: role.withoutPolicyUpdates(),
      comment: flow.description,
      definitionBody: sfn.DefinitionBody.fromChainable(chain),
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      timeout: props.timeout ?? Duration.hours(1),
    });

    this.failedRunsAlarm = new cloudwatch.Alarm(this, 'FailedRuns', {
      alarmName: `${props.stateMachineName}-failed-runs`,
      alarmDescription: `A run of ${props.stateMachineName} failed, timed out or was aborted.`,
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut + aborted',
        usingMetrics: {
          failed: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
          timedOut: this.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
          aborted: this.stateMachine.metricAborted({ period: Duration.minutes(5), statistic: 'Sum' }),
        },
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.failedRunsAlarm.addAlarmAction(new actions.SnsAction(props.failureTopic));

    const scheduleRole = new SchedulerRole(this, 'ScheduleRole', {
      description: `Strata: the schedule of ${props.stateMachineName} starts it`,
      statements: [new iam.PolicyStatement({ sid: 'StartFlow', actions: ['states:StartExecution'], resources: [this.stateMachine.stateMachineArn] })],
      deadLetterQueue: props.deadLetterQueue,
      key: props.key,
    });
    if (flow.startsOnLanding ?? false) {
      if (!props.landing) throw new Error(`flow ${flow.name} starts on landing, and no landing place was given`);
      const landingRole = new iam.Role(this, 'OnLandingRole', {
        // Only rules of this account may assume it (confused deputy).
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
        description: `Strata: a file landing starts ${props.stateMachineName}`,
      });
      new iam.ManagedPolicy(this, 'OnLandingPolicy', {
        description: `Strata: a file landing starts ${props.stateMachineName}`,
        roles: [landingRole],
        statements: [new iam.PolicyStatement({ sid: 'StartFlow', actions: ['states:StartExecution'], resources: [ownArn] })],
      });
      const ruleName = `${props.stateMachineName}-on-landing`;
      this.landingRule = new events.Rule(this, 'OnLanding', {
        ruleName,
        description: `Starts ${props.stateMachineName} when a file lands under s3://${props.landing.bucketName}/${props.landing.prefix}; schedules.${flow.schedule} sweeps for lost events.`,
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: { bucket: { name: [props.landing.bucketName] }, object: { key: [{ prefix: props.landing.prefix }] } },
        },
      });
      this.landingRule.addTarget(
        new eventTargets.SfnStateMachine(this.stateMachine, {
          role: landingRole.withoutPolicyUpdates(),
          // The drop that started the run, for its log; the flow lists landing itself.
          input: events.RuleTargetInput.fromObject({ landed: events.EventField.fromPath('$.detail.object.key') }),
          // Starts EventBridge gave up on (after its retries) are kept; the sweep (below) still takes their drops.
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      );
      // EventBridge writes to the encrypted dead-letter queue with the key, for this rule only (its ARN from its name:
      // the rule's own attribute would make the key depend on the rule, and so on the functions the key encrypts).
      props.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `${flow.name}OnLandingDeadLetters`,
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { ArnEquals: { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: ruleName }) } },
        }),
      );
    }
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: props.stateMachineName,
      description: `Starts ${props.stateMachineName} (schedules.${flow.schedule} in the environment file).`,
      schedule: scheduler.ScheduleExpression.expression(props.schedule),
      target: new targets.StepFunctionsStartExecution(this.stateMachine, { deadLetterQueue: props.deadLetterQueue, retryAttempts: 2, role: scheduleRole.role }),
    });
  }

  /**
   * One run of a flow at a time: a run started while an older run of the same
   * state machine is still RUNNING ends at once, succeeded, as skipped. Of two
   * overlapping runs exactly the older goes on, whichever lists first:
   * ListExecutions puts the most recent first, so the oldest running
   * execution is the last one listed, and a run goes on only if that is
   * itself. ListExecutions is eventually consistent: a listing that does not
   * show this run yet is not trusted (it could hide the order and make both
   * runs skip); the guard waits and lists again, and after GUARD_LISTINGS
   * listings without it fails the run into the notify-and-fail path rather
   * than run blind. The state machine logs ALL with execution data, so the
   * skip's Pass output (`{ skipped: "another run of <flow> is still running:
   * <arn>" }`) is the skipped run's log line in CloudWatch.
   *
   * An empty listing is told apart before anything projects it (a JSONPath
   * wildcard over no items fails the state with an uncatchable States.Runtime).
   */
  private overlapGuard(flowName: string, ownArn: string, failed: sfn.Chain, steps: sfn.Chain): sfn.Chain {
    const names = OVERLAP_GUARD_STATES;
    const start = new sfn.Pass(this, names.start, {
      comment: `One run of ${flowName} at a time: a run that starts while an older one is still running is skipped.`,
      result: sfn.Result.fromObject({ listings: 0 }),
      resultPath: '$.overlap',
    });
    const list = new tasks.CallAwsService(this, names.list, {
      comment: 'The RUNNING executions of this state machine, most recent first (the first page, of up to 1000: skipped runs end at once, so there are a handful at most).',
      service: 'sfn',
      action: 'listExecutions',
      // The largest page: file drops start a run each, and a burst of them must not push the oldest run off the page.
      parameters: { StateMachineArn: sfn.JsonPath.stringAt('$$.StateMachine.Id'), StatusFilter: 'RUNNING', MaxResults: 1000 },
      // AWS SDK integrations answer in PascalCase: { Executions: [{ ExecutionArn, StateMachineArn, Name, Status, StartDate }], NextToken? }.
      resultSelector: { 'executions.$': '$.Executions', 'count.$': 'States.ArrayLength($.Executions)' },
      resultPath: '$.overlap.listing',
      iamResources: [ownArn],
    });
    // Throttling and anything else transient; what still fails goes to the failure path: an unknown state does not run blindly.
    list.addRetry({ errors: [sfn.Errors.ALL], ...RETRY });
    list.addCatch(failed, { resultPath: '$.error' });
    const read = new sfn.Pass(this, names.read, {
      parameters: {
        'listings.$': 'States.MathAdd($.overlap.listings, 1)',
        'count.$': '$.overlap.listing.count',
        'last.$': 'States.MathAdd($.overlap.listing.count, -1)',
        'executions.$': '$.overlap.listing.executions',
      },
      resultPath: '$.overlap',
    });
    const find = new sfn.Pass(this, names.find, {
      parameters: { 'listings.$': '$.overlap.listings', 'last.$': '$.overlap.last', 'running.$': '$.overlap.executions[*].ExecutionArn' },
      resultPath: '$.overlap',
    });
    const oldest = new sfn.Pass(this, names.oldest, {
      parameters: {
        'listings.$': '$.overlap.listings',
        'listed.$': 'States.ArrayContains($.overlap.running, $$.Execution.Id)',
        'oldest.$': 'States.ArrayGetItem($.overlap.running, $.overlap.last)',
      },
      resultPath: '$.overlap',
    });
    const wait = new sfn.Wait(this, names.wait, {
      comment: 'ListExecutions is eventually consistent: this run is not listed yet.',
      time: sfn.WaitTime.duration(GUARD_WAIT),
    });
    wait.next(list);
    const notListed = new sfn.Pass(this, names.notListed, {
      result: sfn.Result.fromObject({
        Error: 'OverlapCheckInconclusive',
        Cause: `ListExecutions did not list this run of ${flowName} among the running ones in ${GUARD_LISTINGS} listings; not knowing whether another run is running, it does not start.`,
      }),
      resultPath: '$.error',
    });
    notListed.next(failed);
    const mayListAgain = sfn.Condition.numberLessThan('$.overlap.listings', GUARD_LISTINGS);
    const anyListed = new sfn.Choice(this, names.anyListed)
      .when(sfn.Condition.and(sfn.Condition.numberEquals('$.overlap.count', 0), mayListAgain), wait)
      .when(sfn.Condition.numberEquals('$.overlap.count', 0), notListed)
      .otherwise(find);
    const skip = new sfn.Pass(this, names.skip, {
      comment: 'This Pass output is the log line of a skipped run (the state machine logs ALL with execution data).',
      parameters: { 'skipped.$': `States.Format('another run of ${flowName} is still running: {}', $.overlap.oldest)` },
    });
    skip.next(new sfn.Succeed(this, names.skipped, { comment: 'Skipped: another run of this flow was still running.' }));
    const goOn = new sfn.Pass(this, names.goOn, {
      comment: 'No older run is running: this one goes on, with its execution input as it started.',
      parameters: { 'input.$': '$$.Execution.Input' },
      outputPath: '$.input',
    });
    goOn.next(steps);
    const decide = new sfn.Choice(this, names.decide, { comment: 'The oldest running execution of this state machine goes on; any other is skipped.' })
      .when(sfn.Condition.and(sfn.Condition.booleanEquals('$.overlap.listed', false), mayListAgain), wait)
      .when(sfn.Condition.booleanEquals('$.overlap.listed', false), notListed)
      .when(sfn.Condition.not(sfn.Condition.stringEqualsJsonPath('$.overlap.oldest', '$$.Execution.Id')), skip)
      .otherwise(goOn);
    find.next(oldest).next(decide);
    return sfn.Chain.start(start).next(list).next(read).next(anyListed);
  }
}
