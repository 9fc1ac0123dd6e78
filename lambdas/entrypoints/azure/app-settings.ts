/**
 * The app settings the Azure pipelines stack sets on every function app and
 * the Azure runtime reads: one list, so the two cannot drift apart.
 */
export const APP_SETTINGS = {
  /** Which handler class the app serves (ingest, transform, quality, ml): it registers that class's handlers only. */
  handlerClass: 'STRATA_HANDLER_CLASS',
  /** JSON of `HandlerSettings` (lambdas/handlers/handler-ports.ts). */
  settings: 'STRATA_SETTINGS',
  /** ADLS Gen2 account of the lake; its containers are named after the layers. */
  storageAccount: 'STRATA_STORAGE_ACCOUNT',
  /** Databricks workspace URL, `https://adb-<id>.<n>.azuredatabricks.net`. */
  databricksHost: 'STRATA_DATABRICKS_HOST',
  /** The pipelines SQL warehouse the query engine submits statements to. */
  warehouseId: 'STRATA_DATABRICKS_WAREHOUSE_ID',
  /** `https://<vault>.vault.azure.net/`: where secrets (API tokens) are read. */
  keyVaultUri: 'STRATA_KEY_VAULT_URI',
  /** Workspace folder of the MLflow experiments; unset when sizing.mlflow.mode is off (runs stay in the lake). */
  mlflowExperimentFolder: 'STRATA_MLFLOW_EXPERIMENT_FOLDER',
  /** Client id of the handler class's user-assigned managed identity (the name Azure SDKs read too). */
  clientId: 'AZURE_CLIENT_ID',
} as const;

export type AppSettingName = (typeof APP_SETTINGS)[keyof typeof APP_SETTINGS];

/** ADF's Azure Function activity calls `POST https://<app>.azurewebsites.net/api/<handler>`: one HTTP function per handler, named after it. */
export const functionRoute = (handler: string): string => handler;

/**
 * The storage queue between an app's HTTP functions (which put each step on it and answer 202) and its
 * queue function (which runs the step and calls Data Factory back): one per app, so one per handler
 * class, in the functions' runtime storage account. The stack declares it under this name.
 */
export const stepQueueName = (handlerClass: string): string => `strata-steps-${handlerClass}`;

/** The connection (app setting prefix) of the step queues: the host's own storage, with the app's identity. */
export const STEP_QUEUE_CONNECTION = 'AzureWebJobsStorage';

/** The queue-triggered function of every app, which runs the steps its HTTP functions queued. */
export const STEP_RUNNER_FUNCTION = 'run-step';

/**
 * Tries of a step, as on AWS (first run + 2 retries): the step queue delivers
 * a message this many times at most (host.json `maxDequeueCount`), and the
 * runner reports a retryable failure only on the last delivery.
 */
export const STEP_ATTEMPTS = 3;
/** Seconds before a failed step is delivered again (host.json `visibilityTimeout`), like the 5 s backoff on AWS. */
export const STEP_RETRY_DELAY_SECONDS = 5;

