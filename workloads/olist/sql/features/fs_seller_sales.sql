-- fs_seller_sales: per seller and snapshot (dt_reference, the 1st of a month),
-- what the seller sold in the 6 months before it: volume, recency, ticket,
-- prices; and, over the whole history before it, lifetime value and age.
--
-- A sale is an order (any status: a canceled order was still a sale the
-- seller made) with at least one item of the seller, dated by the order's
-- purchase. Every snapshot to build comes from ref(ml, snapshots), so one
-- statement builds them all.
--
-- Money is summed as decimals, exact on every engine and in any order, and
-- only then turned into doubles: doubles summed in parallel differ in the
-- last digit from run to run, and so would the training data built on them.
-- Averages are sums over counts: Athena's avg() of a decimal keeps its scale.
with snapshots as (
  select dt_reference, {{ add_months(dt_reference, -6) }} as window_start
  from {{ ref(ml, snapshots) }}
),
seller_orders as (
  select
    i.seller_id,
    i.order_id,
    cast(o.order_purchase_timestamp as date) as sale_date,
    count(*) as items,
    sum(i.price) as order_value,
    min(i.price) as min_item_price,
    max(i.price) as max_item_price
  from {{ ref(trusted, order_items) }} i
  join {{ ref(trusted, orders) }} o on o.order_id = i.order_id
  group by i.seller_id, i.order_id, cast(o.order_purchase_timestamp as date)
),
windowed as (
  select s.dt_reference, so.*
  from snapshots s
  join seller_orders so on so.sale_date >= s.window_start and so.sale_date < s.dt_reference
),
in_window as (
  select
    dt_reference,
    seller_id,
    -- seller_orders has one row per order of the seller.
    count(*) as orders,
    count(distinct sale_date) as distinct_sale_days,
    sum(items) as items,
    sum(order_value) as revenue,
    min(sale_date) as first_sale_in_window,
    max(sale_date) as last_sale,
    min(min_item_price) as min_item_price,
    max(max_item_price) as max_item_price,
    min(order_value) as min_order_value,
    max(order_value) as max_order_value
  from windowed
  group by dt_reference, seller_id
),
-- Lifetime looks past the window: every sale before the snapshot.
lifetime as (
  select s.dt_reference, so.seller_id, sum(so.order_value) as lifetime_value, min(so.sale_date) as first_sale
  from snapshots s
  join seller_orders so on so.sale_date < s.dt_reference
  group by s.dt_reference, so.seller_id
)
select
  w.seller_id,
  w.dt_reference,
  w.orders,
  w.distinct_sale_days,
  w.items,
  cast(w.revenue as double) as revenue,
  {{ days_between(w.last_sale, w.dt_reference) }} as recency_days,
  cast(w.revenue as double) / w.orders as avg_ticket,
  cast(w.revenue as double) / w.items as avg_item_price,
  cast(w.min_item_price as double) as min_item_price,
  cast(w.max_item_price as double) as max_item_price,
  cast(w.items as double) / w.orders as items_per_order,
  cast(w.min_order_value as double) as min_order_value,
  cast(w.max_order_value as double) as max_order_value,
  cast(l.lifetime_value as double) as lifetime_value,
  {{ days_between(l.first_sale, w.dt_reference) }} as days_since_first_sale,
  -- The mean gap between consecutive distinct sale days is their span over
  -- the number of gaps; undefined with a single sale day.
  case
    when w.distinct_sale_days > 1
      then cast({{ days_between(w.first_sale_in_window, w.last_sale) }} as double) / (w.distinct_sale_days - 1)
  end as avg_days_between_sales
from in_window w
join lifetime l on l.seller_id = w.seller_id and l.dt_reference = w.dt_reference
