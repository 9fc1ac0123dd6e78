-- seller_activation_features: per seller signed up by a closed deal of the
-- sales team (its latest, when it has several), what the lead declared at the
-- deal, and the days the label needs: from the deal to the seller's first
-- sale in trusted (NULL when it has none), and from the deal, and from the
-- end of its month, to the last purchase date in trusted (how far the data
-- sees).
--
-- Every feature is known at the deal: the lead's kind and business, what it
-- declared, the month of the year, and whether the seller had sold before
-- the deal was closed.
with deals as (
  select
    d.*,
    row_number() over (partition by d.seller_id order by d.won_date desc, d.mql_id desc) as latest_first
  from {{ ref(trusted, closed_deals) }} d
),
first_sales as (
  select i.seller_id, min(cast(o.order_purchase_timestamp as date)) as first_sale_day
  from {{ ref(trusted, order_items) }} i
  join {{ ref(trusted, orders) }} o on o.order_id = i.order_id
  group by i.seller_id
),
data_end as (
  select max(cast(o.order_purchase_timestamp as date)) as last_purchase_day
  from {{ ref(trusted, orders) }} o
),
dated as (
  select
    d.*,
    cast(d.won_date as date) as won_day,
    cast(date_trunc('month', d.won_date) as date) as won_month_start,
    s.first_sale_day,
    e.last_purchase_day
  from deals d
  left join first_sales s on s.seller_id = d.seller_id
  cross join data_end e
  where d.latest_first = 1
),
bounded as (
  select d.*, {{ add_months(d.won_month_start, 1) }} as next_month_start
  from dated d
)
select
  seller_id,
  won_month_start as dt_reference,
  {{ days_between(won_day, first_sale_day) }} as days_to_first_sale,
  {{ days_between(won_day, last_purchase_day) }} as days_observed,
  {{ days_between(next_month_start, last_purchase_day) }} as month_days_observed,
  case when lead_type = 'online_big' then 1 else 0 end as lead_online_big,
  case when lead_type = 'online_medium' then 1 else 0 end as lead_online_medium,
  case when lead_type = 'online_small' then 1 else 0 end as lead_online_small,
  case when lead_type = 'online_beginner' then 1 else 0 end as lead_online_beginner,
  case when lead_type = 'online_top' then 1 else 0 end as lead_online_top,
  case when lead_type = 'industry' then 1 else 0 end as lead_industry,
  case when lead_type = 'offline' then 1 else 0 end as lead_offline,
  case when business_type = 'reseller' then 1 else 0 end as business_reseller,
  case when business_type = 'manufacturer' then 1 else 0 end as business_manufacturer,
  case when has_company then 1 when not has_company then 0 end as has_company,
  case when has_gtin then 1 when not has_gtin then 0 end as has_gtin,
  case average_stock when '1-5' then 1 when '5-20' then 2 when '20-50' then 3 when '50-200' then 4 when '200+' then 5 end as stock_level,
  declared_product_catalog_size,
  declared_monthly_revenue,
  month(won_date) as won_month,
  case when first_sale_day < won_day then 1 else 0 end as sold_before_deal
from bounded
