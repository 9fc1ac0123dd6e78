import { findNewDataHandler } from '../../handlers/find-new-data.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('find-new-data', findNewDataHandler);
