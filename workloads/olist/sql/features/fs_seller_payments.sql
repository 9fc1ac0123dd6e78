-- fs_seller_payments: per seller and snapshot, how the seller's orders
-- purchased in the 6 months before it were paid: how many payments, how much,
-- by which method, and in how many credit-card installments.
--
-- Payments belong to orders, and an order may hold several sellers' items.
-- Each payment is attributed to a seller in proportion to the seller's share
-- of the order's item value (the seller's item prices over all the order's
-- item prices; by item count when the order's items are all free), so the
-- attributed counts and values of an order's sellers add up to the order's.
-- Counts are therefore weighted and may be fractional. Installments are not
-- split: they describe each credit-card payment the seller took part in.
--
-- Weights are kept as decimals (10 places) and everything is summed as
-- decimals, exact in any order, then turned into doubles: doubles summed in
-- parallel differ in the last digit from run to run, and so would the
-- training data built on them.
-- not_defined payments count in the totals, with no columns of their own
-- (FEATURE_PAYMENT_TYPES in workloads/olist/features.ts).
with snapshots as (
  select dt_reference, {{ add_months(dt_reference, -6) }} as window_start
  from {{ ref(ml, snapshots) }}
),
seller_orders as (
  select
    i.seller_id,
    i.order_id,
    cast(o.order_purchase_timestamp as date) as sale_date,
    sum(i.price) as seller_value,
    count(*) as seller_items
  from {{ ref(trusted, order_items) }} i
  join {{ ref(trusted, orders) }} o on o.order_id = i.order_id
  group by i.seller_id, i.order_id, cast(o.order_purchase_timestamp as date)
),
order_totals as (
  select order_id, sum(price) as order_value, count(*) as order_items
  from {{ ref(trusted, order_items) }}
  group by order_id
),
windowed as (
  select
    s.dt_reference,
    so.seller_id,
    so.order_id,
    -- Divided as doubles: Athena divides decimals at the operands' scale (2 places).
    cast(
      case
        when t.order_value > 0 then cast(so.seller_value as double) / cast(t.order_value as double)
        else cast(so.seller_items as double) / t.order_items
      end
    as decimal(20,10)) as weight
  from snapshots s
  join seller_orders so on so.sale_date >= s.window_start and so.sale_date < s.dt_reference
  join order_totals t on t.order_id = so.order_id
),
attributed as (
  select
    w.dt_reference,
    w.seller_id,
    p.payment_type,
    cast(p.payment_installments as double) as installments,
    w.weight,
    w.weight * p.payment_value as value
  from windowed w
  join {{ ref(trusted, order_payments) }} p on p.order_id = w.order_id
),
totals as (
  select
    dt_reference,
    seller_id,
    sum(weight) as payments,
    sum(value) as payment_value,
    sum(case when payment_type = 'credit_card' then weight else 0 end) as payments_credit_card,
    sum(case when payment_type = 'credit_card' then value else 0 end) as payment_value_credit_card,
    sum(case when payment_type = 'boleto' then weight else 0 end) as payments_boleto,
    sum(case when payment_type = 'boleto' then value else 0 end) as payment_value_boleto,
    sum(case when payment_type = 'voucher' then weight else 0 end) as payments_voucher,
    sum(case when payment_type = 'voucher' then value else 0 end) as payment_value_voucher,
    sum(case when payment_type = 'debit_card' then weight else 0 end) as payments_debit_card,
    sum(case when payment_type = 'debit_card' then value else 0 end) as payment_value_debit_card,
    avg(case when payment_type = 'credit_card' then installments end) as avg_installments_credit_card,
    max(case when payment_type = 'credit_card' then installments end) as max_installments_credit_card
  from attributed
  group by dt_reference, seller_id
),
active as (
  select distinct dt_reference, seller_id
  from windowed
)
select
  a.seller_id,
  a.dt_reference,
  coalesce(cast(t.payments as double), 0) as payments,
  coalesce(cast(t.payment_value as double), 0) as payment_value,
  coalesce(cast(t.payments_credit_card as double), 0) as payments_credit_card,
  coalesce(cast(t.payment_value_credit_card as double), 0) as payment_value_credit_card,
  cast(t.payments_credit_card as double) / nullif(cast(t.payments as double), 0) as share_payments_credit_card,
  cast(t.payment_value_credit_card as double) / nullif(cast(t.payment_value as double), 0) as share_payment_value_credit_card,
  coalesce(cast(t.payments_boleto as double), 0) as payments_boleto,
  coalesce(cast(t.payment_value_boleto as double), 0) as payment_value_boleto,
  cast(t.payments_boleto as double) / nullif(cast(t.payments as double), 0) as share_payments_boleto,
  cast(t.payment_value_boleto as double) / nullif(cast(t.payment_value as double), 0) as share_payment_value_boleto,
  coalesce(cast(t.payments_voucher as double), 0) as payments_voucher,
  coalesce(cast(t.payment_value_voucher as double), 0) as payment_value_voucher,
  cast(t.payments_voucher as double) / nullif(cast(t.payments as double), 0) as share_payments_voucher,
  cast(t.payment_value_voucher as double) / nullif(cast(t.payment_value as double), 0) as share_payment_value_voucher,
  coalesce(cast(t.payments_debit_card as double), 0) as payments_debit_card,
  coalesce(cast(t.payment_value_debit_card as double), 0) as payment_value_debit_card,
  cast(t.payments_debit_card as double) / nullif(cast(t.payments as double), 0) as share_payments_debit_card,
  cast(t.payment_value_debit_card as double) / nullif(cast(t.payment_value as double), 0) as share_payment_value_debit_card,
  t.avg_installments_credit_card,
  t.max_installments_credit_card
from active a
left join totals t on t.seller_id = a.seller_id and t.dt_reference = a.dt_reference
