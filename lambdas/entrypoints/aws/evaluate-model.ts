import { evaluateModelHandler } from '../../handlers/evaluate-model.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('evaluate-model', evaluateModelHandler);
