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

type EngineSettings = Pick<Environment, 'name' | 'sizing' | 'network'>;

/**
 * The engine the cloud's rendering uses; one it cannot run is a ConfigError
 * naming sizing.training.engine. Databricks on Azure needs the lake public
 * (network.publicAccess): a job cluster is classic compute, in the
 * workspace's managed network, which cannot reach the lake's private
 * endpoints without VNet injection, which is not built (docs/azure.md).
 */
export function trainingEngineOn(environment: EngineSettings, cloud: 'aws'): AwsTrainingEngine;
export function trainingEngineOn(environment: EngineSettings, cloud: 'azure'): AzureTrainingEngine;
export function trainingEngineOn(environment: EngineSettings, cloud: EngineCloud): TrainingEngine;
export function trainingEngineOn(environment: EngineSettings, cloud: EngineCloud): TrainingEngine {
  const engine = declared(environment, cloud);
  const allowed: readonly TrainingEngine[] = TRAINING_ENGINES[cloud];
  if (!allowed.includes(engine)) {
    const other = cloud === 'aws' ? 'azure' : 'aws';
    throw new ConfigError([
      `environment ${environment.name}: sizing.training.engine is ${engine}, which ${CLOUD_NAMES[cloud]} cannot run; on ${CLOUD_NAMES[cloud]} it must be ${allowed.join(' or ')} ` +
        `(one engine per cloud: engine: { ${cloud}: ${allowed.join('|')}, ${other}: ${engine} })`,
    ]);
  }
  if (cloud === 'azure' && engine === 'databricks' && !environment.network.publicAccess) {
    throw new ConfigError([
      `environment ${environment.name}: sizing.training.engine gives Azure databricks, and network.publicAccess is false: a Databricks job cluster runs in the workspace's managed network, ` +
        'which cannot reach the private lake (VNet injection is not built); set network.publicAccess: true, or give Azure embedded',
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
