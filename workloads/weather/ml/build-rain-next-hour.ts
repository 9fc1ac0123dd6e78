/**
 * Builds the rain-next-hour model's training set in refined
 * (`abt_rain_next_hour`: label, split and features of every city-hour whose
 * next hour was observed) and names the city-hours it scores (each city's
 * latest hour), with the SQL of workloads/weather/sql/ml/. Both read the one
 * feature computation, rain_next_hour_features.sql. Each build replaces the
 * whole table.
 */
import { refinedSelect } from '../../../pipelines/sql/compile.ts';
import { loadModel, renderModel } from '../../../pipelines/sql/render.ts';
import type { QueryEngine } from '../../../lambdas/ports/query-engine.ts';
import { commitClassifierTrainingSet, type ClassifierTrainingSet } from '../../../lambdas/ml/classifier-training-set.ts';
import { countInputs, tablesRead } from '../../../lambdas/ml/model-inputs.ts';
import { abtRainNextHour, RAIN_NEXT_HOUR_FEATURES, RAIN_NEXT_HOUR_MODEL } from '../rain-next-hour.ts';

/** The setting the out-of-time days come from, as errors name it. */
export const OOT_SETTING = `ootSnapshots (models.classifier, or models.overrides.${RAIN_NEXT_HOUR_MODEL})`;

export interface RainNextHourSettings {
  /** Out-of-time days (`yyyy-MM-dd`); [] for the latest two full labelled days. */
  readonly ootSnapshots: readonly string[];
  readonly seed: number;
  /** Share of the in-time rows of each class held out for test. */
  readonly testFraction: number;
}

/** The rain-next-hour training set's build: its days are its snapshots; positives are city-hours followed by rain. */
export type RainNextHourTrainingSet = ClassifierTrainingSet<typeof RAIN_NEXT_HOUR_MODEL>;

/** rain_next_hour_features.sql rendered for this engine, parenthesized: the relation the ABT and scoring read. */
export function rainNextHourFeaturesRelation(engine: QueryEngine): string {
  return `(${renderModel(loadModel('ml', 'rain_next_hour_features'), engine.dialect, engine.relations)})`;
}

/** The city-hours to score, parenthesized: each city's latest hour, `city_hour, dt_reference` and the ABT's features. */
export function rainNextHourScoringRelation(engine: QueryEngine): string {
  const sql = renderModel(loadModel('ml', 'rain_next_hour_latest'), engine.dialect, engine.relations, { ml: { rain_next_hour_features: rainNextHourFeaturesRelation(engine) } });
  return `(${sql})`;
}

export async function buildRainNextHourAbt(engine: QueryEngine, settings: RainNextHourSettings): Promise<RainNextHourTrainingSet> {
  const features = rainNextHourFeaturesRelation(engine);
  const model = loadModel('ml', 'abt_rain_next_hour');
  await countInputs(engine, [...tablesRead(loadModel('ml', 'rain_next_hour_features').text), ...tablesRead(model.text)], `${abtRainNextHour.name} (run the process flow first)`);
  const [input] = await engine.query<{ n: bigint | number }>(`select count(*) as n from ${features} f`);
  const rowsIn = Number(input?.n ?? 0);
  const { ootSnapshots, seed, testFraction } = settings;
  const ootRelation = await engine.loadRows('ml_rain_next_hour_oot', [{ name: 'dt_reference', type: 'date' }], ootSnapshots.map((date) => [date]));
  const sql = renderModel(model, engine.dialect, engine.relations, {
    ml: { rain_next_hour_features: features, oot_snapshots: ootRelation },
    params: { seed: String(seed), test_fraction: testFraction },
  });
  const built = await engine.createTemporary(abtRainNextHour.name, refinedSelect(abtRainNextHour, sql, engine.dialect));
  return commitClassifierTrainingSet(engine, {
    model: RAIN_NEXT_HOUR_MODEL,
    table: abtRainNextHour,
    label: 'rain_next_hour',
    built,
    features: RAIN_NEXT_HOUR_FEATURES.map((column) => column.name),
    rowsIn,
    ootSnapshots,
    unknownOot: (unknown, snapshots) =>
      new RangeError(
        `${OOT_SETTING}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a labelled day' : 'are not labelled days'} of ${abtRainNextHour.name}; ` +
          `allowed: ${snapshots[0]} to ${snapshots.at(-1)} (days with an hour whose next hour was observed), or [] for the latest two`,
      ),
    noLabel: async () =>
      new Error(`${abtRainNextHour.name}: no city-hour can be labelled: weather_hourly holds ${rowsIn} city-hours and none is followed by an observed hour; poll for at least two hours`),
  });
}
