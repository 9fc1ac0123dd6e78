import { trainModelHandler } from '../../handlers/train-model.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('train-model', trainModelHandler);
