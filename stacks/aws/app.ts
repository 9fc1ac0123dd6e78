/**
 * CDK entry point (`cdk.json` runs it): `npx cdk synth -c env=prod` or
 * `-c config=path/to/file.yaml`. `strata synth` runs it too.
 */
import { ConfigError, loadEnvironment } from '../../config/load-environment.ts';
import { platformVersion } from '../shared/platform-version.ts';
import { withSynthProgress } from '../shared/synth-progress.ts';
import { addPlatform, createAwsApp } from './aws-app.ts';

const app = createAwsApp();
try {
  const { environment } = loadEnvironment({
    env: app.node.tryGetContext('env') as string | undefined,
    config: app.node.tryGetContext('config') as string | undefined,
  });
  addPlatform(app, environment, platformVersion());
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
withSynthProgress('writing the templates, checking them with cdk-nag', 'wrote the templates and checked them', () => app.synth());
