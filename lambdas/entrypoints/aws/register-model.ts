import { registerModelHandler } from '../../handlers/register-model.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('register-model', registerModelHandler);
