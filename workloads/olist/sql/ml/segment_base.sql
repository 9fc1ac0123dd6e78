-- segment_base: what the seller segmentation clusters. Every seller active at
-- the latest snapshot, with every feature (ref(ml, seller_snapshot_features),
-- the join the churn ABT and scoring read too). The latest snapshot is the
-- latest built, not the latest whose horizon is in the data: segments have no
-- label to wait for.
with features as (
  select * from {{ ref(ml, seller_snapshot_features) }}
),
latest as (
  select max(dt_reference) as dt_reference
  from features
)
select
  f.seller_id,
  f.dt_reference,
  {{ feature_columns(seller_snapshot_features, f) }}
from features f
join latest l on l.dt_reference = f.dt_reference
