/** The weather workload's source: current weather in the Brazilian state capitals. */
import type { HttpJsonSource, SourceLanding } from '../../pipelines/workloads/http-source.ts';


/**
 * The 27 state capitals as OpenWeatherMap city ids (city.list.json). Ids are
 * unambiguous where names are not (there are several Palmas and Vitórias).
 * Check them against OpenWeatherMap's city list before relying on the data.
 */
export const STATE_CAPITAL_CITY_IDS: Readonly<Record<string, { readonly city: string; readonly id: number }>> = {
  AC: { city: 'Rio Branco', id: 3662574 },
  AL: { city: 'Maceió', id: 3395981 },
  AM: { city: 'Manaus', id: 3663517 },
  AP: { city: 'Macapá', id: 3396016 },
  BA: { city: 'Salvador', id: 3450554 },
  CE: { city: 'Fortaleza', id: 3399415 },
  DF: { city: 'Brasília', id: 3469058 },
  ES: { city: 'Vitória', id: 3444924 },
  GO: { city: 'Goiânia', id: 3462377 },
  MA: { city: 'São Luís', id: 3388368 },
  MG: { city: 'Belo Horizonte', id: 3470127 },
  MS: { city: 'Campo Grande', id: 3467747 },
  MT: { city: 'Cuiabá', id: 3465038 },
  PA: { city: 'Belém', id: 3405870 },
  PB: { city: 'João Pessoa', id: 3397277 },
  PE: { city: 'Recife', id: 3390760 },
  PI: { city: 'Teresina', id: 3386496 },
  PR: { city: 'Curitiba', id: 3464975 },
  RJ: { city: 'Rio de Janeiro', id: 3451190 },
  RN: { city: 'Natal', id: 3394023 },
  RO: { city: 'Porto Velho', id: 3662762 },
  RR: { city: 'Boa Vista', id: 3664980 },
  RS: { city: 'Porto Alegre', id: 3452925 },
  SC: { city: 'Florianópolis', id: 3463237 },
  SE: { city: 'Aracaju', id: 3471872 },
  SP: { city: 'São Paulo', id: 3448439 },
  TO: { city: 'Palmas', id: 3474574 },
};

/**
 * What a poll drops into landing for trusted weather_current
 * (datasets/weather_current.yaml): one CSV row per city, from the API's
 * record fields. `rain.1h` is absent when it is dry, so the column is blank.
 */
export const WEATHER_CURRENT_LANDING: SourceLanding = {
  file: 'weather_current.csv',
  columns: {
    city_id: 'id',
    city: 'name',
    observed_at: 'dt',
    temperature_c: 'main.temp',
    humidity_pct: 'main.humidity',
    pressure_hpa: 'main.pressure',
    wind_speed_ms: 'wind.speed',
    cloudiness_pct: 'clouds.all',
    rain_1h_mm: 'rain.1h',
    condition: 'weather.0.main',
  },
};

/** The group endpoint answers for at most 20 city ids per call. */
const GROUP_ENDPOINT_MAX_IDS = 20;

function idBatches(ids: readonly number[], size: number): Record<string, string>[] {
  const batches: Record<string, string>[] = [];
  for (let at = 0; at < ids.length; at += size) batches.push({ id: ids.slice(at, at + size).join(',') });
  return batches;
}

/**
 * Current weather in every Brazilian state capital (polled every minute where
 * `schedules.ingest` is `rate(1 minute)`), from
 * an OpenWeatherMap-style "current weather for several cities" endpoint
 * (`GET /data/2.5/group?id=<ids>&units=metric&appid=<key>` -> `{ cnt, list: [...] }`).
 * Joined to orders by customer state, it lets models see the weather at purchase.
 */
export function weatherSource(environmentName: string): HttpJsonSource {
  return {
    name: 'weather_current',
    description: 'Current weather (temperature, humidity, wind, conditions) in the 27 Brazilian state capitals, one record per city per poll.',
    url: 'https://api.openweathermap.org/data/2.5/group',
    query: { units: 'metric', lang: 'pt_br' },
    batches: idBatches(
      Object.values(STATE_CAPITAL_CITY_IDS).map(({ id }) => id),
      GROUP_ENDPOINT_MAX_IDS,
    ),
    apiKeySecret: `strata/${environmentName}/weather-api-key`,
    apiKey: { in: 'query', parameter: 'appid' },
    recordsPath: 'list',
    lands: WEATHER_CURRENT_LANDING,
  };
}
