/**
 * HTTP JSON sources: APIs the ingest flow polls and lands in raw as JSON
 * lines, one file per poll; a source that feeds a trusted table also drops
 * its records into landing as that table's CSV, so they take the path every
 * file takes (staged, checked, quarantined, built). A workload declares them (its workload.ts); how
 * often they are polled is the environment's `schedules.ingest` (one knob
 * for the cost tuner, not one per source). Cloud-neutral: the poller
 * use-case (lambdas/ingest/poll-api.ts) reads these; the stacks grant the
 * poller read access to each source's secret.
 */

/** How the API key travels: as a query parameter (`?appid=...`) or a request header. */
export type ApiKeyPlacement = { readonly in: 'query'; readonly parameter: string } | { readonly in: 'header'; readonly header: string };

export interface HttpJsonSource {
  /** Table name in raw: records land under `raw/<name>/ingest_date=YYYY-MM-DD/`. */
  readonly name: string;
  readonly description: string;
  /** Endpoint, without query string. */
  readonly url: string;
  /** Query parameters sent with every request. */
  readonly query: Readonly<Record<string, string>>;
  /**
   * Extra query parameters per request, for APIs that cap how much one call
   * may ask for: a poll makes one GET per batch and writes all their records
   * as one file. @default - one request with `query` alone
   */
  readonly batches?: readonly Readonly<Record<string, string>>[];
  /** Name of the secret (Secrets Manager / Key Vault / local env) holding the API key. */
  readonly apiKeySecret: string;
  readonly apiKey: ApiKeyPlacement;
  /** Dot-separated path to the array of records in the response body (`list`, `data.items`). */
  readonly recordsPath: string;
  /**
   * The CSV each poll drops into landing for a trusted table: its file name
   * (the table's `sourceFile`) and, per column, the dot-separated path of its
   * value in one record (`main.temp`; a number indexes an array:
   * `weather.0.main`). @default - records stay in raw as JSON lines only
   */
  readonly lands?: SourceLanding;
}

export interface SourceLanding {
  readonly file: string;
  /** Column -> path in a record, in the CSV's column order. */
  readonly columns: Readonly<Record<string, string>>;
}
