-- category_purchases: which product categories each customer bought, and
-- when. One row per customer, category and purchase month: the interactions
-- the purchase-recommendation model learns from (recommendation_interactions.sql
-- splits them) and recommends from (every customer's whole history, scored).
--
-- The customer is customer_unique_id, the person: Olist's customer_id names
-- one order's customer, so by it nobody would ever buy twice. The item is the
-- product category, by its English name (product_category_name_translation),
-- the Portuguese one when it has no translation: products are too sparse to
-- learn from (most are sold once), categories are shelves a customer comes
-- back to. A purchase is an order not canceled or unavailable, dated by its
-- purchase month (dt_reference, its first day); an item whose product names
-- no category is not counted. Repeats within a month count once.
select distinct
  c.customer_unique_id,
  coalesce(t.product_category_name_english, p.product_category_name) as product_category,
  cast(date_trunc('month', o.order_purchase_timestamp) as date) as dt_reference
from {{ ref(trusted, orders) }} o
join {{ ref(trusted, customers) }} c on c.customer_id = o.customer_id
join {{ ref(trusted, order_items) }} i on i.order_id = o.order_id
join {{ ref(trusted, products) }} p on p.product_id = i.product_id
left join {{ ref(trusted, product_category_name_translation) }} t on t.product_category_name = p.product_category_name
where o.order_status not in ('canceled', 'unavailable')
  and p.product_category_name is not null
  and o.order_purchase_timestamp is not null
