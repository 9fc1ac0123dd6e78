import { gateModelHandler } from '../../handlers/gate-model.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('gate-model', gateModelHandler);
