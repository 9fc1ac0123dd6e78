/**
 * Which engine trains (and scores) the managed models on each cloud:
 * `sizing.training.engine`, one value for both clouds or one per cloud.
 * A cloud given an engine it does not have fails synth here, with one line
 * that names the setting and what that cloud allows, rather than rendering
 * the embedded engine behind the environment file's back.
 */
import { ConfigError } from './config-error.ts';
import { TRAINING_ENGINES, type Environment, type TrainingEngine } from './schema.ts';

export type EngineCloud = keyof typeof TRAINING_ENGINES;
export type AwsTrainingEngine = (typeof TRAINING_ENGINES.aws)[number];
export type AzureTrainingEngine = (typeof TRAINING_ENGINES.azure)[number];

const CLOUD_NAMES: Record<EngineCloud, string> = { aws: 'AWS', azure: 'Azure' };

function declared(environment: Pick<Environment, 'sizing'>, cloud: EngineCloud): TrainingEngine {
  const { engine } = environment.sizing.training;
  return typeof engine === 'string' ? engine : engine[cloud];
}

/** The engine the cloud's rendering uses; one it cannot run is a ConfigError naming sizing.training.engine. */
export function trainingEngineOn(environment: Pick<Environment, 'name' | 'sizing'>, cloud: 'aws'): AwsTrainingEngine;
export function trainingEngineOn(environment: Pick<Environment, 'name' | 'sizing'>, cloud: 'azure'): AzureTrainingEngine;
export function trainingEngineOn(environment: Pick<Environment, 'name' | 'sizing'>, cloud: EngineCloud): TrainingEngine;
export function trainingEngineOn(environment: Pick<Environment, 'name' | 'sizing'>, cloud: EngineCloud): TrainingEngine {
  const engine = declared(environment, cloud);
  const allowed: readonly TrainingEngine[] = TRAINING_ENGINES[cloud];
  if (!allowed.includes(engine)) {
    const other = cloud === 'aws' ? 'azure' : 'aws';
    throw new ConfigError([
      `environment ${environment.name}: sizing.training.engine is ${engine}, which ${CLOUD_NAMES[cloud]} cannot run; on ${CLOUD_NAMES[cloud]} it must be ${allowed.join(' or ')} ` +
        `(one engine per cloud: engine: { ${cloud}: ${allowed.join('|')}, ${other}: ${engine} })`,
    ]);
  }
  return engine;
}

/**
 * The engine `strata run` trains with. The local runner executes the AWS
 * rendering's state machines, so it trains as AWS does; an engine only Azure
 * has (databricks) is not rendered there, and the same steps run on the
 * embedded engine instead. SageMaker (AWS) runs in the cloud only, which
 * `strata run` says before it starts.
 */
export function localTrainingEngine(environment: Pick<Environment, 'sizing'>): AwsTrainingEngine {
  const engine = declared(environment, 'aws');
  return engine === 'sagemaker' ? 'sagemaker' : 'embedded';
}

/** The environment as the local runner synthesizes it: the AWS rendering with the local engine. */
export function withLocalTrainingEngine<E extends Pick<Environment, 'sizing'>>(environment: E): E {
  return { ...environment, sizing: { ...environment.sizing, training: { ...environment.sizing.training, engine: localTrainingEngine(environment) } } };
}
