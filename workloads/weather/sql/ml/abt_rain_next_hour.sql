-- abt_rain_next_hour: the rain-next-hour analytical base table. One row per
-- city and hour whose next hour was observed, labelled, split, with the
-- features of ref(ml, rain_next_hour_features).
--
-- The label: rain_next_hour = 1 when it rained in the city in the next hour
-- (weather_hourly.rained of that hour), else 0.
--
-- The split: the out-of-time days (ref(ml, oot_snapshots), dates; when that
-- is empty, the latest two labelled days each holding at least half the rows
-- of an average labelled day, so a day the polling ends in after a few hours
-- is not a test of anything) are 'oot'; the other rows are split per class,
-- so both splits keep the rain rate: ordered by the MD5 of seed || city_hour,
-- the first round(n x test_fraction) go to 'test', the rest to 'train'. Same
-- seed, same data: same split, on every engine.
--
-- Columns: the features relation's; the build selects them in the order
-- abt_rain_next_hour declares.
with labelled as (
  select f.*, f.next_rained as rain_next_hour
  from {{ ref(ml, rain_next_hour_features) }} f
  where f.next_rained is not null
),
configured_oot as (
  select dt_reference from {{ ref(ml, oot_snapshots) }}
),
labelled_days as (
  select dt_reference, count(*) as hours
  from labelled
  group by dt_reference
),
full_days as (
  select d.dt_reference, row_number() over (order by d.dt_reference desc) as latest_first
  from labelled_days d
  cross join (select avg(hours) as hours from labelled_days) average
  where d.hours * 2 >= average.hours
),
oot as (
  select dt_reference from configured_oot
  union all
  select dt_reference
  from full_days
  where latest_first <= 2 and not exists (select 1 from configured_oot)
),
flagged as (
  select
    l.*,
    case when o.dt_reference is not null then 1 else 0 end as is_oot,
    concat({{ param(seed) }}, l.city_hour) as split_key,
    {{ param(test_fraction) }} as test_fraction
  from labelled l
  left join oot o on o.dt_reference = l.dt_reference
)
select
  f.*,
  {{ stratified_split(f.is_oot, f.rain_next_hour, f.split_key, f.test_fraction, f.city_hour) }} as split
from flagged f
