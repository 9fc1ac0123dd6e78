import { exportScoringDataHandler } from '../../handlers/export-scoring-data.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('export-scoring-data', exportScoringDataHandler);
