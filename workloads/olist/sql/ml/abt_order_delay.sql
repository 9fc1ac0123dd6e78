-- abt_order_delay: the order-delay analytical base table. One row per
-- delivered order whose label is known, labelled, split, with every feature
-- of ref(ml, order_delay_features) (computed there, from what was known at
-- purchase).
--
-- The label: late = 1 when the order was delivered on a later day than the
-- day promised at purchase (cast(order_delivered_customer_date as date) >
-- cast(order_estimated_delivery_date as date)), else 0.
--
-- Only delivered orders whose promised date is on or before the last
-- purchase date in trusted orders are labelled: for a later promise, the
-- orders delivered by the end of the data are the quick ones, so the recent
-- months would look on time.
--
-- The split: the out-of-time purchase months (ref(ml, oot_snapshots),
-- first days of months; when that is empty, the latest labelled purchase
-- month holding at least half the rows of an average labelled month, so a
-- month the data ends in after a few days, like Olist's last ones, is not a
-- test of anything) are 'oot'; the other rows are split per late class, so both splits
-- keep the late rate: ordered by the MD5 of seed || order_id, the first
-- round(n x test_fraction) go to 'test', the rest to 'train'. Same seed,
-- same data: same split, on every engine.
--
-- Columns: the features relation's (order_id, dt_reference, the features),
-- then late and split; the build selects them in the order abt_order_delay
-- declares.
with features as (
  select * from {{ ref(ml, order_delay_features) }}
),
data_end as (
  select max(cast(o.order_purchase_timestamp as date)) as last_purchase_date
  from {{ ref(trusted, orders) }} o
),
labels as (
  select
    o.order_id,
    case when cast(o.order_delivered_customer_date as date) > cast(o.order_estimated_delivery_date as date) then 1 else 0 end as late
  from {{ ref(trusted, orders) }} o
  cross join data_end d
  where o.order_status = 'delivered'
    and o.order_delivered_customer_date is not null
    and o.order_estimated_delivery_date is not null
    and cast(o.order_estimated_delivery_date as date) <= d.last_purchase_date
),
labelled as (
  select f.order_id, f.dt_reference, l.late
  from features f
  join labels l on l.order_id = f.order_id
),
configured_oot as (
  select dt_reference from {{ ref(ml, oot_snapshots) }}
),
labelled_months as (
  select dt_reference, count(*) as orders
  from labelled
  group by dt_reference
),
full_months as (
  select m.dt_reference
  from labelled_months m
  cross join (select avg(orders) as orders from labelled_months) average
  where m.orders * 2 >= average.orders
),
oot as (
  select dt_reference from configured_oot
  union all
  select dt_reference
  from (select max(dt_reference) as dt_reference from full_months) latest
  where not exists (select 1 from configured_oot)
),
flagged as (
  select
    l.order_id,
    l.late,
    case when o.dt_reference is not null then 1 else 0 end as is_oot,
    concat({{ param(seed) }}, l.order_id) as split_key,
    {{ param(test_fraction) }} as test_fraction
  from labelled l
  left join oot o on o.dt_reference = l.dt_reference
)
select
  f.*,
  r.late,
  {{ stratified_split(r.is_oot, r.late, r.split_key, r.test_fraction, r.order_id) }} as split
from flagged r
join features f on f.order_id = r.order_id
