import { scoreModelHandler } from '../../handlers/score-model.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('score-model', scoreModelHandler);
