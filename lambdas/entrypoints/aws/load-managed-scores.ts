import { loadManagedScoresHandler } from '../../handlers/load-managed-scores.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('load-managed-scores', loadManagedScoresHandler);
