-- segment_base: what the seller segmentation clusters and scores. Every
-- seller active at the latest representative snapshot, with every feature
-- (ref(ml, seller_snapshot_features), the join the churn ABT and scoring read
-- too). Representative: holding at least half the active sellers of an
-- average snapshot, so a snapshot the data ends in as trade dries up (Olist's
-- last weeks: a handful of sellers) is passed over, as the ABTs' out-of-time
-- months are. Not the latest whose horizon is in the data: segments have no
-- label to wait for.
with features as (
  select * from {{ ref(ml, seller_snapshot_features) }}
),
snapshot_sizes as (
  select dt_reference, count(*) as sellers
  from features
  group by dt_reference
),
latest as (
  select max(s.dt_reference) as dt_reference
  from snapshot_sizes s
  cross join (select avg(sellers) as sellers from snapshot_sizes) average
  where s.sellers * 2 >= average.sellers
)
select
  f.seller_id,
  f.dt_reference,
  {{ feature_columns(seller_snapshot_features, f) }}
from features f
join latest l on l.dt_reference = f.dt_reference
