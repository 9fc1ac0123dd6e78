import { buildFeaturesHandler } from '../../handlers/build-features.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('build-features', buildFeaturesHandler);
