-- weather_current: the polled current weather, typed from the landed CSV; the
-- checks of datasets/weather_current.yaml then quarantine rows that fail them
-- and re-polled duplicates of an observation (same city, same observed_at).
select
  {{ int(city_id) }} as city_id,
  {{ text(city) }} as city,
  {{ epoch_seconds(observed_at) }} as observed_at,
  {{ double(temperature_c) }} as temperature_c,
  {{ int(humidity_pct) }} as humidity_pct,
  {{ double(pressure_hpa) }} as pressure_hpa,
  {{ double(wind_speed_ms) }} as wind_speed_ms,
  {{ int(cloudiness_pct) }} as cloudiness_pct,
  {{ double(rain_1h_mm) }} as rain_1h_mm,
  {{ text(condition) }} as condition,
  {{ lineage() }}
from {{ source(weather_current) }}
