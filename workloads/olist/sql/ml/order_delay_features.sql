-- order_delay_features: every order in trusted, with dt_reference (the first
-- day of its purchase month) and the features of the order-delay model. The
-- one place they are computed: the ABT (abt_order_delay.sql) and the orders
-- scored (order_delay_open_orders.sql) both read it, so the model is trained
-- and scored on the same columns computed the same way.
--
-- Only what is known when the order is placed counts:
-- - the order itself: the days promised (promised date minus purchase
--   date), its items, prices, freight and product weights, whether the
--   customer and the seller of its first item (lowest order_item_id) are in
--   the same state, the month of the year and day of the week of the purchase;
-- - the delivery history before its purchase month: orders delivered (status
--   delivered, with a delivery and a promised date) before dt_reference, late
--   when delivered on a later day than promised (the label's rule). Per the
--   first item's seller (orders with an item of theirs), the customer's state
--   and the first item's seller's state. An order delivered on or after
--   dt_reference is not in it, whenever it was bought: the model must not
--   learn from outcomes that were not known yet. Without history the shares
--   are NULL.
-- History is summed per month of delivery, then over the months before each
-- dt_reference (delivered before the 1st of a month = delivered in an
-- earlier month). Days are counted between calendar dates on every engine;
-- the weekday from a known Sunday (1970-01-04), since the engines number
-- weekdays differently.
with purchases as (
  select
    o.order_id,
    o.customer_id,
    cast(o.order_purchase_timestamp as date) as purchase_date,
    cast(date_trunc('month', o.order_purchase_timestamp) as date) as dt_reference,
    cast(o.order_estimated_delivery_date as date) as promised_date
  from {{ ref(trusted, orders) }} o
),
item_totals as (
  select
    i.order_id,
    count(*) as items,
    count(distinct i.seller_id) as distinct_sellers,
    sum(i.price) as total_price,
    sum(i.freight_value) as total_freight,
    case when count(p.product_weight_g) = count(*) then sum(p.product_weight_g) end as total_weight_g,
    min(i.order_item_id) as first_item_id
  from {{ ref(trusted, order_items) }} i
  left join {{ ref(trusted, products) }} p on p.product_id = i.product_id
  group by i.order_id
),
first_seller as (
  select i.order_id, i.seller_id, s.seller_state
  from {{ ref(trusted, order_items) }} i
  join item_totals t on t.order_id = i.order_id and t.first_item_id = i.order_item_id
  left join {{ ref(trusted, sellers) }} s on s.seller_id = i.seller_id
),
facts as (
  select
    o.order_id,
    o.dt_reference,
    o.purchase_date,
    o.promised_date,
    c.customer_state,
    f.seller_id,
    f.seller_state,
    t.items,
    t.distinct_sellers,
    t.total_price,
    t.total_freight,
    t.total_weight_g
  from purchases o
  left join item_totals t on t.order_id = o.order_id
  left join first_seller f on f.order_id = o.order_id
  left join {{ ref(trusted, customers) }} c on c.customer_id = o.customer_id
),
deliveries as (
  select
    o.order_id,
    o.customer_id,
    cast(date_trunc('month', o.order_delivered_customer_date) as date) as delivered_month,
    case when cast(o.order_delivered_customer_date as date) > cast(o.order_estimated_delivery_date as date) then 1 else 0 end as late
  from {{ ref(trusted, orders) }} o
  where o.order_status = 'delivered'
    and o.order_delivered_customer_date is not null
    and o.order_estimated_delivery_date is not null
),
seller_monthly as (
  select i.seller_id, d.delivered_month, count(*) as delivered, sum(d.late) as late
  from deliveries d
  join (select distinct order_id, seller_id from {{ ref(trusted, order_items) }}) i on i.order_id = d.order_id
  group by i.seller_id, d.delivered_month
),
seller_state_monthly as (
  select ss.seller_state, d.delivered_month, count(*) as delivered, sum(d.late) as late
  from deliveries d
  join (
    select distinct i.order_id, s.seller_state
    from {{ ref(trusted, order_items) }} i
    join {{ ref(trusted, sellers) }} s on s.seller_id = i.seller_id
    where s.seller_state is not null
  ) ss on ss.order_id = d.order_id
  group by ss.seller_state, d.delivered_month
),
customer_state_monthly as (
  select c.customer_state, d.delivered_month, count(*) as delivered, sum(d.late) as late
  from deliveries d
  join {{ ref(trusted, customers) }} c on c.customer_id = d.customer_id
  where c.customer_state is not null
  group by c.customer_state, d.delivered_month
),
seller_history as (
  select k.seller_id, k.dt_reference, sum(m.delivered) as delivered, sum(m.late) as late
  from (select distinct seller_id, dt_reference from facts where seller_id is not null) k
  join seller_monthly m on m.seller_id = k.seller_id and m.delivered_month < k.dt_reference
  group by k.seller_id, k.dt_reference
),
seller_state_history as (
  select k.seller_state, k.dt_reference, sum(m.delivered) as delivered, sum(m.late) as late
  from (select distinct seller_state, dt_reference from facts where seller_state is not null) k
  join seller_state_monthly m on m.seller_state = k.seller_state and m.delivered_month < k.dt_reference
  group by k.seller_state, k.dt_reference
),
customer_state_history as (
  select k.customer_state, k.dt_reference, sum(m.delivered) as delivered, sum(m.late) as late
  from (select distinct customer_state, dt_reference from facts where customer_state is not null) k
  join customer_state_monthly m on m.customer_state = k.customer_state and m.delivered_month < k.dt_reference
  group by k.customer_state, k.dt_reference
)
select
  f.order_id,
  f.dt_reference,
  cast({{ days_between(f.purchase_date, f.promised_date) }} as bigint) as days_promised,
  cast(coalesce(f.items, 0) as bigint) as items,
  cast(coalesce(f.distinct_sellers, 0) as bigint) as distinct_sellers,
  cast(f.total_price as double) as total_price,
  cast(f.total_freight as double) as total_freight,
  cast(f.total_freight as double) / nullif(cast(f.total_price as double) + cast(f.total_freight as double), 0) as freight_share,
  cast(f.total_weight_g as bigint) as total_weight_g,
  cast(case
    when f.customer_state is null or f.seller_state is null then null
    when f.customer_state = f.seller_state then 1
    else 0
  end as int) as same_state,
  cast(month(f.purchase_date) as int) as purchase_month,
  cast({{ days_between(date '1970-01-04', f.purchase_date) }} % 7 as int) as purchase_weekday,
  cast(case when f.seller_id is not null then coalesce(sh.delivered, 0) end as bigint) as seller_prior_orders,
  cast(sh.late as double) / sh.delivered as seller_prior_late_share,
  cast(ch.late as double) / ch.delivered as customer_state_prior_late_share,
  cast(ssh.late as double) / ssh.delivered as seller_state_prior_late_share
from facts f
left join seller_history sh on sh.seller_id = f.seller_id and sh.dt_reference = f.dt_reference
left join customer_state_history ch on ch.customer_state = f.customer_state and ch.dt_reference = f.dt_reference
left join seller_state_history ssh on ssh.seller_state = f.seller_state and ssh.dt_reference = f.dt_reference
