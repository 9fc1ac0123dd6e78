import { buildTrainingSetHandler } from '../../handlers/build-training-set.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('build-training-set', buildTrainingSetHandler);
