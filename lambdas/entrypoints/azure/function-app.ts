/**
 * The function app's entry point (what esbuild bundles as index.mjs): it
 * registers, with the Azure Functions Node v4 programming model, one HTTP
 * function per handler of the app's class (STRATA_HANDLER_CLASS) that queues
 * the step, and the queue function that runs it and calls Data Factory back.
 * An unknown or missing class fails the app's start, naming the allowed ones.
 */
import { app } from '@azure/functions';
import { registerHandlerFunctions } from './azure-runtime.ts';

registerHandlerFunctions(app);
