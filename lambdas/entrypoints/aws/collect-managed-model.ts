import { collectManagedModelHandler } from '../../handlers/collect-managed-model.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('collect-managed-model', collectManagedModelHandler);
