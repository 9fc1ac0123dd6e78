import { listLandingHandler } from '../../handlers/list-landing.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('list-landing', listLandingHandler);
