/**
 * One flow on Azure Data Factory: a pipeline whose activities are rendered
 * from the cloud-neutral flow definition, and the schedule trigger that starts
 * it from the environment's schedule (UTC).
 */
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { DataFactoryPipeline } from '@cdktf/provider-azurerm/lib/data-factory-pipeline/index.js';
import { DataFactoryTriggerBlobEvent } from '@cdktf/provider-azurerm/lib/data-factory-trigger-blob-event/index.js';
import { DataFactoryTriggerSchedule } from '@cdktf/provider-azurerm/lib/data-factory-trigger-schedule/index.js';
import type { FlowDefinition } from '../../../pipelines/flows/index.ts';
import { renderDataFactoryPipelines, type DataFactoryTargets } from '../flows/data-factory-activities.ts';
import { DATA_FACTORY_SCHEDULE_TIME_ZONE, dataFactoryRecurrence } from '../flows/schedule-recurrence.ts';

export interface FlowPipelineProps {
  readonly dataFactoryId: string;
  /** The flow definition; every step becomes an activity (or an activity inside a ForEach). */
  readonly flow: FlowDefinition;
  /** Pipeline name in the factory. */
  readonly pipelineName: string;
  readonly description: string;
  /** Function app URLs, function key secret URLs, timeouts and the notification endpoint the activities use. */
  readonly targets: DataFactoryTargets;
  /** The schedule expression (`rate(...)` / `cron(...)`) from the environment. */
  readonly schedule: string;
  /** Where the schedule came from (`schedules.ingest`), for conversion errors. */
  readonly scheduleKeyPath: string;
  /**
   * Resources the activities need but do not reference (the factory identity's roles), which Terraform cannot infer.
   * @default - none
   */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * Runs of the pipeline at once; a trigger firing while a run is in progress queues.
   * @default 1
   */
  readonly concurrency?: number;
  /**
   * Where files land that start the flow (`flow.startsOnLanding`): the lake account, its container and the prefix.
   * @default - a flow that starts on landing cannot be rendered
   */
  readonly landing?: { readonly storageAccountId: string; readonly container: string; readonly prefix: string };
}

export class FlowPipeline extends Construct {
  readonly pipeline: DataFactoryPipeline;
  /** The pipeline the first one runs for the steps after a continue-if step (`<name>-steps`), when the flow has one. */
  readonly continuedPipeline?: DataFactoryPipeline;
  readonly trigger: DataFactoryTriggerSchedule;
  /** Starts the pipeline when a file lands (flows that start on landing). */
  readonly landingTrigger?: DataFactoryTriggerBlobEvent;
  /** The rendered activities of the first pipeline (what its `activities_json` holds), for tests and tooling. */
  readonly activities: readonly Record<string, unknown>[];

  constructor(scope: Construct, id: string, props: FlowPipelineProps) {
    super(scope, id);
    const [first, continued] = renderDataFactoryPipelines(props.flow, props.targets, props.pipelineName);
    this.activities = first!.activities;
    // The flow's run options, as parameters a run may be started with (their defaults here).
    const parameters = props.flow.options ? { parameters: Object.fromEntries(Object.entries(props.flow.options).map(([name, value]) => [name, String(value)])) } : {};
    if (continued) {
      this.continuedPipeline = new DataFactoryPipeline(this, 'continued_pipeline', {
        name: continued.name,
        dataFactoryId: props.dataFactoryId,
        description: `${props.description} (the steps after the check that there is anything to do; run by ${props.pipelineName})`,
        activitiesJson: JSON.stringify(continued.activities),
        ...parameters,
        concurrency: props.concurrency ?? 1,
        dependsOn: props.dependsOn,
      });
    }
    this.pipeline = new DataFactoryPipeline(this, 'pipeline', {
      name: props.pipelineName,
      dataFactoryId: props.dataFactoryId,
      description: props.description,
      activitiesJson: JSON.stringify(this.activities),
      ...parameters,
      concurrency: props.concurrency ?? 1,
      // Data Factory checks an Execute Pipeline's reference when the pipeline is written: the pipeline it runs first.
      dependsOn: [...(props.dependsOn ?? []), ...(this.continuedPipeline ? [this.continuedPipeline] : [])],
    });

    const recurrence = dataFactoryRecurrence(props.schedule, props.scheduleKeyPath);
    this.trigger = new DataFactoryTriggerSchedule(this, 'trigger', {
      name: `${props.pipelineName}-schedule`,
      dataFactoryId: props.dataFactoryId,
      pipelineName: this.pipeline.name,
      description: `Starts ${props.pipelineName} on ${props.scheduleKeyPath} (${props.schedule}).`,
      frequency: recurrence.frequency,
      interval: recurrence.interval,
      ...(recurrence.schedule ? { schedule: recurrence.schedule } : {}),
      timeZone: DATA_FACTORY_SCHEDULE_TIME_ZONE,
      activated: true,
    });

    if (props.flow.startsOnLanding ?? false) {
      if (!props.landing) throw new Error(`flow ${props.flow.name} starts on landing, and no landing place was given`);
      // A storage event trigger: Data Factory subscribes to the account's BlobCreated events through Event Grid.
      // Runs it starts while one is in progress queue (concurrency 1; Data Factory queues 100 at most, and a trigger
      // run past that fails, losing nothing: each run lists all of landing, and the sweep runs too).
      this.landingTrigger = new DataFactoryTriggerBlobEvent(this, 'landing_trigger', {
        name: `${props.pipelineName}-on-landing`,
        dataFactoryId: props.dataFactoryId,
        description: `Starts ${props.pipelineName} when a file lands under ${props.landing.container}/${props.landing.prefix}; ${props.scheduleKeyPath} sweeps for lost events.`,
        storageAccountId: props.landing.storageAccountId,
        events: ['Microsoft.Storage.BlobCreated'],
        blobPathBeginsWith: `/${props.landing.container}/blobs/${props.landing.prefix}`,
        ignoreEmptyBlobs: true,
        pipeline: [{ name: this.pipeline.name }],
        activated: true,
      });
    }
  }
}
