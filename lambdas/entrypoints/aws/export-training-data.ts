import { exportTrainingDataHandler } from '../../handlers/export-training-data.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('export-training-data', exportTrainingDataHandler);
