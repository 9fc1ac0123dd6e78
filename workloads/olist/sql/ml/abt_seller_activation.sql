-- abt_seller_activation: the seller-activation analytical base table. One
-- row per seller signed up by a closed deal whose activation window has
-- passed inside the data, labelled, split, with every feature of
-- ref(ml, seller_activation_features).
--
-- The label: activated = 1 when the seller's first sale is on or before the
-- window's last day (param window_days after the day the deal was won; a
-- seller that had sold before the deal counts as activated), else 0. Only
-- deals won at least window_days before the last purchase date in trusted
-- are labelled: for a later one, the sellers not selling yet may still.
--
-- The split: the out-of-time won months (ref(ml, oot_snapshots), first days
-- of months; when that is empty, the latest two months whose every deal is
-- labelled, their last day's window inside the data: a month the window cuts
-- holds only its early deals) are 'oot'; the other rows are split per class
-- by the MD5 of seed || seller_id, the first round(n x test_fraction) to
-- 'test', the rest 'train'.
with labelled as (
  select
    f.*,
    case when f.days_to_first_sale is not null and f.days_to_first_sale <= {{ param(window_days) }} then 1 else 0 end as activated
  from {{ ref(ml, seller_activation_features) }} f
  where f.days_observed >= {{ param(window_days) }}
),
configured_oot as (
  select dt_reference from {{ ref(ml, oot_snapshots) }}
),
whole_months as (
  select dt_reference, row_number() over (order by dt_reference desc) as latest_first
  from labelled
  group by dt_reference
  having min(month_days_observed) >= {{ param(window_days) }}
),
oot as (
  select dt_reference from configured_oot
  union all
  select dt_reference
  from whole_months
  where latest_first <= 2 and not exists (select 1 from configured_oot)
),
flagged as (
  select
    l.*,
    case when o.dt_reference is not null then 1 else 0 end as is_oot,
    concat({{ param(seed) }}, l.seller_id) as split_key,
    {{ param(test_fraction) }} as test_fraction
  from labelled l
  left join oot o on o.dt_reference = l.dt_reference
)
select
  f.*,
  {{ stratified_split(f.is_oot, f.activated, f.split_key, f.test_fraction, f.seller_id) }} as split
from flagged f
