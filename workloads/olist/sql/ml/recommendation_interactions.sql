-- recommendation_interactions: the purchase-recommendation model's training
-- set. Every interaction of ref(ml, category_purchases) (customer, product
-- category, purchase month), split by time:
--
-- 'oot', the held-out period: the purchase months from param(holdout_months)
-- - 1 months before the latest full month to the end of the data. A full
-- month holds at least half the interactions of an average month, so a month
-- the data ends in after a few days (like Olist's last ones) does not decide
-- where the held-out period starts; the few purchases after the latest full
-- month are held out too, never learned from.
-- 'train': every earlier month. The candidates learn from these only, and are
-- judged on what the held-out period's customers went on to buy.
with purchases as (
  select * from {{ ref(ml, category_purchases) }}
),
months as (
  select dt_reference, count(*) as interactions
  from purchases
  group by dt_reference
),
full_months as (
  select m.dt_reference
  from months m
  cross join (select avg(interactions) as interactions from months) average
  where m.interactions * 2 >= average.interactions
),
latest_full as (
  select max(dt_reference) as latest_month, 1 - {{ param(holdout_months) }} as months_back
  from full_months
),
holdout as (
  select {{ add_months(latest_month, months_back) }} as first_month
  from latest_full
)
select
  p.customer_unique_id,
  p.product_category,
  p.dt_reference,
  case when p.dt_reference >= h.first_month then 'oot' else 'train' end as split
from purchases p
cross join holdout h
