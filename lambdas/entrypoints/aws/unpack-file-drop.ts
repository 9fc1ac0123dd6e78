import { unpackFileDropHandler } from '../../handlers/unpack-file-drop.ts';
import { awsHandler } from './aws-runtime.ts';

export const handler = awsHandler('unpack-file-drop', unpackFileDropHandler);
