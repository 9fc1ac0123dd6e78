import { buildTrustedHandler } from '../../handlers/build-trusted.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('build-trusted', buildTrustedHandler);
