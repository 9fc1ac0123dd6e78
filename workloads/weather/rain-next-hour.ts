/**
 * The rain-next-hour model's tables, in refined: its training set
 * (`abt_rain_next_hour`, one row per city and hour whose next hour is known)
 * and its scores (`rain_next_hour_scores`), built by the SQL in sql/ml/ of
 * this workload (rain_next_hour_features.sql, abt_rain_next_hour.sql,
 * rain_next_hour_latest.sql) from refined weather_hourly.
 *
 * Rain is the rare class (about one city-hour in ten), so the model's own
 * settings oversample it in the train split; test and out-of-time rows keep
 * the rate as it is, and the evaluation reports accuracy, F1 and the
 * confusion matrix beside AUC.
 */
import type { ColumnDefinition, DatasetDefinition, PartitionDefinition } from '../../pipelines/datasets/dataset.ts';
import { SPLITS, type ModelDefinition } from '../../pipelines/models/model.ts';

/** The model's name, as the scores' `model` column holds it. */
export const RAIN_NEXT_HOUR_MODEL = 'rain-next-hour';

/** Where the training set's and the scores' date partitions start. */
const FIRST_DATE = '2026-01-01';

const CITY_HOUR: ColumnDefinition = {
  name: 'city_hour',
  type: 'string',
  required: true,
  description: 'City and hour the row describes: <city_id>@<yyyy-MM-dd>T<HH> (UTC).',
};

/**
 * The features of a city-hour, in the order the tables hold them: what the
 * observations of that hour and the hours before it said. The ABT, the hours
 * scored and rain_next_hour_features.sql list them the same way.
 */
export const RAIN_NEXT_HOUR_FEATURES: ColumnDefinition[] = [
  { name: 'temperature_c', type: 'double', description: 'Mean air temperature of the hour, degrees Celsius.' },
  { name: 'humidity_pct', type: 'double', range: { min: 0, max: 100 }, description: 'Mean relative humidity of the hour, percent.' },
  { name: 'pressure_hpa', type: 'double', description: 'Mean sea-level pressure of the hour, hPa.' },
  { name: 'wind_speed_ms', type: 'double', range: { min: 0 }, description: 'Mean wind speed of the hour, metres per second.' },
  { name: 'cloudiness_pct', type: 'double', range: { min: 0, max: 100 }, description: 'Mean cloud cover of the hour, percent.' },
  { name: 'rain_mm', type: 'double', range: { min: 0 }, description: 'Rain reported in the hour, mm (0 when dry).' },
  { name: 'rained', type: 'int', acceptedValues: ['0', '1'], description: '1 when it rained in the hour.' },
  { name: 'pressure_change_3h', type: 'double', description: 'Pressure minus the pressure three hours earlier, hPa; NULL when that hour is missing.' },
  { name: 'humidity_change_3h', type: 'double', description: 'Humidity minus the humidity three hours earlier, points; NULL when that hour is missing.' },
  { name: 'cloudiness_change_1h', type: 'double', description: 'Cloud cover minus the hour before’s, points; NULL when that hour is missing.' },
  { name: 'temperature_change_1h', type: 'double', description: 'Temperature minus the hour before’s, degrees; NULL when that hour is missing.' },
  { name: 'rain_hours_6h', type: 'bigint', range: { min: 0, max: 6 }, description: 'Hours with rain among this one and the five before it (of those present).' },
  { name: 'hour_of_day', type: 'int', range: { min: 0, max: 23 }, description: 'Hour of the day, UTC, 0 to 23.' },
];

export const abtRainNextHour: DatasetDefinition = {
  name: 'abt_rain_next_hour',
  layer: 'refined',
  description: 'Rain-next-hour analytical base table: one row per city and hour whose next hour was observed, with the label, the split and the hour’s features.',
  primaryKey: ['city_hour'],
  columns: [
    CITY_HOUR,
    { name: 'dt_reference', type: 'date', required: true, description: 'Date (UTC) of the hour the row describes.' },
    { name: 'rain_next_hour', type: 'int', required: true, acceptedValues: ['0', '1'], description: '1 when it rained in the city in the next hour, 0 when it stayed dry.' },
    {
      name: 'split',
      type: 'string',
      required: true,
      acceptedValues: SPLITS,
      description: 'Which set the row belongs to. train, test: in-time rows, split stratified by the label with a seeded hash; oot: the out-of-time days.',
    },
    ...RAIN_NEXT_HOUR_FEATURES,
  ],
  partition: { column: 'dt_reference_month', kind: 'month', derivedFrom: 'dt_reference', firstMonth: FIRST_DATE.slice(0, 7) },
};

/** Scores are stored per scoring date: the date of the latest hour scored. */
const scorePartition: PartitionDefinition = { column: 'dt_score', kind: 'date', derivedFrom: 'dt_score', firstDate: FIRST_DATE };

export const rainNextHourScores: DatasetDefinition = {
  name: 'rain_next_hour_scores',
  layer: 'refined',
  description: 'Probability of rain in the next hour for every city, from its latest observed hour, by the champion model; one partition per scoring date.',
  primaryKey: ['city_hour', 'dt_score'],
  columns: [
    CITY_HOUR,
    { name: 'score', type: 'double', required: true, range: { min: 0, max: 1 }, description: 'Probability that it rains in the city in the hour after city_hour.' },
    { name: 'class', type: 'int', required: true, acceptedValues: ['0', '1'], description: '1 when the score is at or above the configured threshold.' },
    { name: 'model_version', type: 'string', required: true, description: 'Registered version of the model that scored.' },
    { name: 'model', type: 'string', required: true, acceptedValues: [RAIN_NEXT_HOUR_MODEL], description: 'Model that scored.' },
  ],
  partition: scorePartition,
};

/** The rain-next-hour model's training set and scores, built by the retrain flow. */
export const RAIN_NEXT_HOUR_DATASETS: readonly DatasetDefinition[] = [abtRainNextHour, rainNextHourScores];

/** Will it rain in a city in the next hour: retrained on `schedules.retrain` from the polled weather. */
export const rainNextHour: ModelDefinition = {
  name: RAIN_NEXT_HOUR_MODEL,
  kind: 'classifier',
  description: 'Probability that it rains in a state capital in the next hour, from the hour’s weather and the hours before it.',
  entity: CITY_HOUR.name,
  label: 'rain_next_hour',
  positiveClass: 'rains next hour',
  trainingSet: abtRainNextHour.name,
  scoresTable: rainNextHourScores.name,
  algorithms: ['gradient-boosting', 'logistic-regression'],
  // Rain is the rare class: the train split is rebalanced to a third positives, and the gate compares F1 at the threshold.
  settings: { rebalance: { method: 'oversample', targetShare: 0.33 } },
  gateMetric: 'f1_oot',
};
