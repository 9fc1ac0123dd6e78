-- fs_seller_delivery: per seller and snapshot, how the seller's orders
-- purchased in the 6 months before it were delivered: late against the date
-- promised at purchase, canceled, what freight cost, how long it took.
--
-- Only deliveries that happened before dt_reference count: an order bought in
-- the window but delivered after the snapshot was not yet known to be late.
-- Cancellation has no date in Olist; the status is the one of the last load.
-- Days are counted between calendar dates, the same way on every engine.
-- Freight per order is the freight of the seller's items in that order,
-- summed as decimals (exact in any order) and averaged as sum over count.
with snapshots as (
  select dt_reference, {{ add_months(dt_reference, -6) }} as window_start
  from {{ ref(ml, snapshots) }}
),
seller_orders as (
  select
    i.seller_id,
    i.order_id,
    cast(o.order_purchase_timestamp as date) as sale_date,
    o.order_status,
    cast(o.order_approved_at as date) as approved_date,
    o.order_delivered_customer_date as delivered_at,
    cast(o.order_estimated_delivery_date as date) as promised_date,
    sum(i.freight_value) as freight
  from {{ ref(trusted, order_items) }} i
  join {{ ref(trusted, orders) }} o on o.order_id = i.order_id
  group by
    i.seller_id, i.order_id, o.order_purchase_timestamp, o.order_status, o.order_approved_at,
    o.order_delivered_customer_date, o.order_estimated_delivery_date
),
windowed as (
  select
    s.dt_reference,
    so.seller_id,
    so.sale_date,
    so.order_status,
    so.approved_date,
    so.promised_date,
    so.freight,
    case when so.delivered_at < s.dt_reference then cast(so.delivered_at as date) end as delivered_date
  from snapshots s
  join seller_orders so on so.sale_date >= s.window_start and so.sale_date < s.dt_reference
),
measured as (
  select
    dt_reference,
    seller_id,
    order_status,
    freight,
    case when delivered_date is not null and promised_date is not null then 1 else 0 end as judged,
    case when delivered_date > promised_date then 1 else 0 end as late,
    {{ days_between(approved_date, delivered_date) }} as days_approved_to_delivered,
    {{ days_between(sale_date, delivered_date) }} as days_purchase_to_delivered,
    {{ days_between(promised_date, delivered_date) }} as days_delivered_vs_promised
  from windowed
)
select
  seller_id,
  dt_reference,
  cast(sum(late) as double) / nullif(sum(judged), 0) as share_late,
  cast(sum(case when order_status = 'canceled' then 1 else 0 end) as double) / count(*) as share_canceled,
  cast(sum(freight) as double) / nullif(count(freight), 0) as avg_freight_per_order,
  cast(min(freight) as double) as min_freight_per_order,
  cast(max(freight) as double) as max_freight_per_order,
  avg(days_approved_to_delivered) as avg_days_approved_to_delivered,
  avg(days_purchase_to_delivered) as avg_days_purchase_to_delivered,
  avg(days_delivered_vs_promised) as avg_days_delivered_vs_promised
from measured
group by seller_id, dt_reference
