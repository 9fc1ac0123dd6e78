-- fs_seller_customers: per seller and snapshot, who bought from the seller in
-- the 6 months before it: how many people, how many states, and the share of
-- the seller's orders going to each of the 27 states (UF).
--
-- Shares are over the orders whose customer state is known, so they sum to 1
-- (or are all NULL when no state is known). The 27 columns are written out,
-- one per state of BRAZILIAN_STATES (workloads/olist/values.ts); a test
-- checks them against the dataset definition.
with snapshots as (
  select dt_reference, {{ add_months(dt_reference, -6) }} as window_start
  from {{ ref(ml, snapshots) }}
),
seller_orders as (
  select distinct i.seller_id, i.order_id, o.customer_id, cast(o.order_purchase_timestamp as date) as sale_date
  from {{ ref(trusted, order_items) }} i
  join {{ ref(trusted, orders) }} o on o.order_id = i.order_id
),
windowed as (
  select s.dt_reference, so.seller_id, so.order_id, so.customer_id
  from snapshots s
  join seller_orders so on so.sale_date >= s.window_start and so.sale_date < s.dt_reference
)
select
  w.seller_id,
  w.dt_reference,
  count(distinct c.customer_unique_id) as distinct_customers,
  count(distinct c.customer_state) as distinct_states,
  cast(sum(case when c.customer_state = 'AC' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_ac,
  cast(sum(case when c.customer_state = 'AL' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_al,
  cast(sum(case when c.customer_state = 'AM' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_am,
  cast(sum(case when c.customer_state = 'AP' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_ap,
  cast(sum(case when c.customer_state = 'BA' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_ba,
  cast(sum(case when c.customer_state = 'CE' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_ce,
  cast(sum(case when c.customer_state = 'DF' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_df,
  cast(sum(case when c.customer_state = 'ES' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_es,
  cast(sum(case when c.customer_state = 'GO' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_go,
  cast(sum(case when c.customer_state = 'MA' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_ma,
  cast(sum(case when c.customer_state = 'MG' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_mg,
  cast(sum(case when c.customer_state = 'MS' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_ms,
  cast(sum(case when c.customer_state = 'MT' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_mt,
  cast(sum(case when c.customer_state = 'PA' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_pa,
  cast(sum(case when c.customer_state = 'PB' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_pb,
  cast(sum(case when c.customer_state = 'PE' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_pe,
  cast(sum(case when c.customer_state = 'PI' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_pi,
  cast(sum(case when c.customer_state = 'PR' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_pr,
  cast(sum(case when c.customer_state = 'RJ' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_rj,
  cast(sum(case when c.customer_state = 'RN' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_rn,
  cast(sum(case when c.customer_state = 'RO' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_ro,
  cast(sum(case when c.customer_state = 'RR' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_rr,
  cast(sum(case when c.customer_state = 'RS' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_rs,
  cast(sum(case when c.customer_state = 'SC' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_sc,
  cast(sum(case when c.customer_state = 'SE' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_se,
  cast(sum(case when c.customer_state = 'SP' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_sp,
  cast(sum(case when c.customer_state = 'TO' then 1 else 0 end) as double) / nullif(count(c.customer_state), 0) as share_orders_to
from windowed w
left join {{ ref(trusted, customers) }} c on c.customer_id = w.customer_id
group by w.seller_id, w.dt_reference
