-- fs_seller_reviews: per seller and snapshot, the review scores of the
-- seller's orders purchased in the 6 months before it.
--
-- One score per order: its latest review that was known before the snapshot
-- (answered, or at least sent, before dt_reference), so a snapshot never sees
-- a score given after it. Sellers with no reviewed order keep their row with
-- NULL scores and a reviewed share of 0.
with snapshots as (
  select dt_reference, {{ add_months(dt_reference, -6) }} as window_start
  from {{ ref(ml, snapshots) }}
),
seller_orders as (
  select distinct i.seller_id, i.order_id, cast(o.order_purchase_timestamp as date) as sale_date
  from {{ ref(trusted, order_items) }} i
  join {{ ref(trusted, orders) }} o on o.order_id = i.order_id
),
windowed as (
  select s.dt_reference, so.seller_id, so.order_id
  from snapshots s
  join seller_orders so on so.sale_date >= s.window_start and so.sale_date < s.dt_reference
),
order_counts as (
  select dt_reference, seller_id, count(*) as orders
  from windowed
  group by dt_reference, seller_id
),
order_scores as (
  select dt_reference, seller_id, order_id, score
  from (
    select
      w.dt_reference,
      w.seller_id,
      w.order_id,
      cast(r.review_score as double) as score,
      row_number() over (
        partition by w.dt_reference, w.seller_id, w.order_id
        order by r.review_creation_date desc, r.review_answer_timestamp desc, r.review_id
      ) as latest
    from windowed w
    join {{ ref(trusted, order_reviews) }} r on r.order_id = w.order_id
    where coalesce(r.review_answer_timestamp, r.review_creation_date) < w.dt_reference
  ) known
  where latest = 1
),
scores as (
  select
    dt_reference,
    seller_id,
    avg(score) as avg_review_score,
    {{ median(score) }} as median_review_score,
    min(score) as min_review_score,
    max(score) as max_review_score,
    count(*) as reviewed_orders
  from order_scores
  group by dt_reference, seller_id
)
select
  c.seller_id,
  c.dt_reference,
  s.avg_review_score,
  s.median_review_score,
  s.min_review_score,
  s.max_review_score,
  cast(coalesce(s.reviewed_orders, 0) as double) / c.orders as share_orders_reviewed
from order_counts c
left join scores s on s.seller_id = c.seller_id and s.dt_reference = c.dt_reference
