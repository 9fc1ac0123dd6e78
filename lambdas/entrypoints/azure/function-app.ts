/**
 * The function app's entry point (what esbuild bundles as index.mjs): it
 * registers one HTTP function per handler of the app's class
 * (STRATA_HANDLER_CLASS) with the Azure Functions Node v4 programming model.
 * An unknown or missing class fails the app's start, naming the allowed ones.
 */
import { app } from '@azure/functions';
import { registerHandlerFunctions } from './azure-runtime.ts';

registerHandlerFunctions(app);
