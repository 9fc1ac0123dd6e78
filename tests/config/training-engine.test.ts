import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnvironment } from '../../config/load-environment.ts';
import { localTrainingEngine, trainingEngineOn, withLocalTrainingEngine } from '../../config/training-engine.ts';

/** Public: Databricks job clusters reach the lake only then (a private one is its own case below). */
const withEngine = (engine: string, publicAccess = true) =>
  parseEnvironment(`name: test\nnetwork: { publicAccess: ${publicAccess} }\nsizing:\n  training:\n    engine: ${engine}\n`, 'test.yaml');

function problemOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('sizing.training.engine per cloud', () => {
  it('gives one value to both clouds, and each cloud its own in the per-cloud form (a cloud left out: embedded)', () => {
    expect(trainingEngineOn(withEngine('embedded'), 'aws')).toBe('embedded');
    expect(trainingEngineOn(withEngine('embedded'), 'azure')).toBe('embedded');
    const split = withEngine('{ aws: sagemaker, azure: databricks }');
    expect([trainingEngineOn(split, 'aws'), trainingEngineOn(split, 'azure')]).toEqual(['sagemaker', 'databricks']);
    expect(trainingEngineOn(withEngine('{ azure: databricks }'), 'aws')).toBe('embedded');
  });

  it('fails a cloud that cannot run the engine with one line naming the setting and what that cloud allows', () => {
    expect(problemOf(() => trainingEngineOn(withEngine('databricks'), 'aws'))).toBe(
      'environment test: sizing.training.engine is databricks, which AWS cannot run; on AWS it must be embedded or sagemaker (one engine per cloud: engine: { aws: embedded|sagemaker, azure: databricks })',
    );
    expect(problemOf(() => trainingEngineOn(withEngine('sagemaker'), 'azure'))).toBe(
      'environment test: sizing.training.engine is sagemaker, which Azure cannot run; on Azure it must be embedded or databricks (one engine per cloud: engine: { azure: embedded|databricks, aws: sagemaker })',
    );
  });

  it('fails Databricks on Azure with a private lake, which a job cluster cannot reach, naming both settings', () => {
    expect(problemOf(() => trainingEngineOn(withEngine('{ azure: databricks }', false), 'azure'))).toMatch(
      /^environment test: sizing\.training\.engine gives Azure databricks, and network\.publicAccess is false: .* set network\.publicAccess: true, or give Azure embedded$/,
    );
    expect(trainingEngineOn(withEngine('{ azure: databricks }', false), 'aws')).toBe('embedded');
  });

  it('refuses in the file an engine named for the wrong cloud in the per-cloud form', () => {
    expect(() => withEngine('{ aws: databricks }')).toThrow(/sizing\.training\.engine = \{"aws":"databricks"\}: must be one of: embedded, sagemaker, databricks, or per cloud \{ aws: embedded\|sagemaker, azure: embedded\|databricks \}/);
  });

  it('trains locally as AWS does, and on the embedded engine where only Azure has the engine', () => {
    expect(localTrainingEngine(withEngine('databricks'))).toBe('embedded');
    expect(localTrainingEngine(withEngine('{ aws: embedded, azure: databricks }'))).toBe('embedded');
    expect(localTrainingEngine(withEngine('{ aws: sagemaker, azure: databricks }'))).toBe('sagemaker');
    expect(withLocalTrainingEngine(withEngine('databricks')).sizing.training.engine).toBe('embedded');
  });
});
