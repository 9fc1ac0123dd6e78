import { checkQualityHandler } from '../../handlers/check-quality.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('check-quality', checkQualityHandler);
