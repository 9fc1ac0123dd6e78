-- seller_daily_sales: per seller and purchase day, the orders with at least one
-- of the seller's items, the items, revenue and freight. Every order counts,
-- whatever its status: a sale is dated by its purchase.
select
  i.seller_id,
  cast(o.order_purchase_timestamp as date) as sale_date,
  count(distinct o.order_id) as orders,
  count(*) as items,
  sum(i.price) as revenue,
  sum(i.freight_value) as freight
from {{ ref(trusted, order_items) }} i
join {{ ref(trusted, orders) }} o on o.order_id = i.order_id
group by i.seller_id, cast(o.order_purchase_timestamp as date)
