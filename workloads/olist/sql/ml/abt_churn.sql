-- abt_churn: the seller churn analytical base table. One row per seller
-- active at a snapshot (ref(ml, seller_snapshot_features)), labelled, split,
-- with every feature.
--
-- The label: a seller whose last sale before dt_reference is recency_days old
-- has churned (1) unless they sell again on or after dt_reference within
-- param(active_days) days of that last sale, i.e. on a day e with
-- dt_reference <= e and e - dt_reference <= active_days - recency_days.
-- Sales are read from trusted over the whole history, whatever the status.
--
-- Only snapshots whose whole horizon (dt_reference + active_days) lies inside
-- the data are labelled: later ones would call every seller a churner.
--
-- The split: the out-of-time snapshots (ref(ml, oot_snapshots); when that is
-- empty, the latest labelled snapshot) are 'oot'; the other rows are split
-- per churn class, so both splits keep the churn rate: ordered by the MD5 of
-- seed || seller_id || dt_reference, the first round(n x test_fraction) go to
-- 'test', the rest to 'train'. Same seed, same data: same split, on every
-- engine.
with features as (
  select * from {{ ref(ml, seller_snapshot_features) }}
),
sales as (
  select distinct i.seller_id, cast(o.order_purchase_timestamp as date) as sale_date
  from {{ ref(trusted, order_items) }} i
  join {{ ref(trusted, orders) }} o on o.order_id = i.order_id
),
data_end as (
  select max(sale_date) as last_sale_date
  from sales
),
labelled_snapshots as (
  select f.*
  from features f
  cross join data_end d
  where {{ days_between(f.dt_reference, d.last_sale_date) }} >= {{ param(active_days) }}
),
next_sale as (
  select l.seller_id, l.dt_reference, min(s.sale_date) as next_sale_date
  from labelled_snapshots l
  join sales s on s.seller_id = l.seller_id and s.sale_date >= l.dt_reference
  -- Later sales cannot unchurn anyone: recency_days >= 0.
  where {{ days_between(l.dt_reference, s.sale_date) }} <= {{ param(active_days) }}
  group by l.seller_id, l.dt_reference
),
configured_oot as (
  select dt_reference from {{ ref(ml, oot_snapshots) }}
),
oot as (
  select dt_reference from configured_oot
  union all
  select dt_reference
  from (select max(dt_reference) as dt_reference from labelled_snapshots) latest
  where not exists (select 1 from configured_oot)
),
labelled as (
  select
    l.*,
    case
      when n.next_sale_date is not null
        and {{ days_between(l.dt_reference, n.next_sale_date) }} <= {{ param(active_days) }} - l.recency_days
        then 0
      else 1
    end as churn,
    case when o.dt_reference is not null then 1 else 0 end as is_oot,
    concat({{ param(seed) }}, l.seller_id, {{ to_text(l.dt_reference) }}) as split_key,
    {{ param(test_fraction) }} as test_fraction
  from labelled_snapshots l
  left join next_sale n on n.seller_id = l.seller_id and n.dt_reference = l.dt_reference
  left join oot o on o.dt_reference = l.dt_reference
)
select
  seller_id,
  dt_reference,
  churn,
  {{ stratified_split(is_oot, churn, split_key, test_fraction, seller_id, dt_reference) }} as split,
  {{ feature_columns(seller_snapshot_features) }}
from labelled
