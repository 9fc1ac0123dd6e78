import { buildRefinedHandler } from '../../handlers/build-refined.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('build-refined', buildRefinedHandler);
