-- rain_next_hour_latest: the city-hours the rain-next-hour model scores: each
-- city's latest observed hour, with the same feature columns, in the same
-- order, as abt_rain_next_hour (ref(ml, rain_next_hour_features)'s, computed
-- the same way as for training).
with features as (
  select * from {{ ref(ml, rain_next_hour_features) }}
),
latest as (
  select city_id, max(hour_start) as hour_start
  from features
  group by city_id
)
select f.*
from features f
join latest l on l.city_id = f.city_id and l.hour_start = f.hour_start
