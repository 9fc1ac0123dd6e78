-- weather_hourly: per city and UTC hour, the mean of the polled observations
-- and the hour's rain: the rain-in-the-last-hour of the hour's latest
-- observation, whose window is that hour (polled every minute). The largest
-- of the hour's values would be wrong: early in a dry hour the API still
-- reports the hour before's rain. date_trunc('hour', ...) is the same on all
-- three engines.
with hourly as (
  select
    city_id,
    date_trunc('hour', observed_at) as hour_start,
    observed_at,
    city,
    temperature_c,
    humidity_pct,
    pressure_hpa,
    wind_speed_ms,
    cloudiness_pct,
    coalesce(rain_1h_mm, 0) as rain_1h_mm,
    row_number() over (partition by city_id, date_trunc('hour', observed_at) order by observed_at desc) as latest_first
  from {{ ref(trusted, weather_current) }}
)
select
  city_id,
  max(case when latest_first = 1 then city end) as city,
  hour_start,
  count(*) as observations,
  avg(temperature_c) as temperature_c,
  avg(cast(humidity_pct as double)) as humidity_pct,
  avg(pressure_hpa) as pressure_hpa,
  avg(wind_speed_ms) as wind_speed_ms,
  avg(cast(cloudiness_pct as double)) as cloudiness_pct,
  max(case when latest_first = 1 then rain_1h_mm end) as rain_mm,
  max(case when latest_first = 1 and rain_1h_mm > 0 then 1 else 0 end) as rained
from hourly
group by city_id, hour_start
