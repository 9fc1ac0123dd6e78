import { pollApiHandler } from '../../handlers/poll-api.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('poll-api', pollApiHandler);
