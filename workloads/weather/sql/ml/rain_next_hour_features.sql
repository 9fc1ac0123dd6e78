-- rain_next_hour_features: per city and hour of refined weather_hourly, the
-- hour's weather and how it changed over the hours before, with the next
-- hour's rain (next_rained, NULL when the next hour was not observed: the
-- latest hour of each city, or a gap). The ABT keeps the hours whose next is
-- known; the scoring keeps each city's latest hour.
--
-- A change is NULL unless the hour it compares with is exactly that many
-- hours earlier: a gap in the polling must not pass for a trend.
with hours as (
  select
    h.*,
    cast(h.hour_start as date) as hour_date,
    hour(h.hour_start) as hour_of_day,
    lag(h.hour_start, 1) over (partition by h.city_id order by h.hour_start) as previous_hour,
    lag(h.hour_start, 3) over (partition by h.city_id order by h.hour_start) as third_previous_hour,
    lag(h.cloudiness_pct, 1) over (partition by h.city_id order by h.hour_start) as previous_cloudiness,
    lag(h.temperature_c, 1) over (partition by h.city_id order by h.hour_start) as previous_temperature,
    lag(h.pressure_hpa, 3) over (partition by h.city_id order by h.hour_start) as third_previous_pressure,
    lag(h.humidity_pct, 3) over (partition by h.city_id order by h.hour_start) as third_previous_humidity,
    sum(h.rained) over (partition by h.city_id order by h.hour_start rows between 5 preceding and current row) as rain_hours_6h,
    lead(h.hour_start, 1) over (partition by h.city_id order by h.hour_start) as next_hour,
    lead(h.rained, 1) over (partition by h.city_id order by h.hour_start) as following_rained
  from {{ ref(refined, weather_hourly) }} h
)
select
  concat({{ to_text(city_id) }}, '@', {{ to_text(hour_date) }}, 'T', lpad({{ to_text(hour_of_day) }}, 2, '0')) as city_hour,
  hour_date as dt_reference,
  case when next_hour = hour_start + interval '1' hour then following_rained end as next_rained,
  temperature_c,
  humidity_pct,
  pressure_hpa,
  wind_speed_ms,
  cloudiness_pct,
  rain_mm,
  rained,
  case when third_previous_hour = hour_start - interval '3' hour then pressure_hpa - third_previous_pressure end as pressure_change_3h,
  case when third_previous_hour = hour_start - interval '3' hour then humidity_pct - third_previous_humidity end as humidity_change_3h,
  case when previous_hour = hour_start - interval '1' hour then cloudiness_pct - previous_cloudiness end as cloudiness_change_1h,
  case when previous_hour = hour_start - interval '1' hour then temperature_c - previous_temperature end as temperature_change_1h,
  rain_hours_6h,
  hour_of_day,
  city_id,
  hour_start
from hours
