-- orders_enriched: one row per order item, with its order, the order's payment
-- totals and latest review, the product category, the seller and the customer.
with payments as (
  select
    order_id,
    sum(payment_value) as order_payment_value,
    {{ sorted_distinct_list(payment_type) }} as order_payment_types
  from {{ ref(trusted, order_payments) }}
  group by order_id
),
latest_review as (
  select order_id, review_score
  from (
    select
      order_id,
      review_score,
      row_number() over (partition by order_id order by review_creation_date desc, review_answer_timestamp desc, review_id) as recency
    from {{ ref(trusted, order_reviews) }}
  ) ranked
  where recency = 1
)
select
  o.order_id,
  i.order_item_id,
  o.order_status,
  o.order_purchase_timestamp,
  o.order_delivered_customer_date,
  o.order_estimated_delivery_date,
  i.product_id,
  p.product_category_name,
  i.seller_id,
  s.seller_state,
  c.customer_unique_id,
  c.customer_state,
  i.price,
  i.freight_value,
  pay.order_payment_value,
  pay.order_payment_types,
  r.review_score
from {{ ref(trusted, order_items) }} i
join {{ ref(trusted, orders) }} o on o.order_id = i.order_id
left join {{ ref(trusted, products) }} p on p.product_id = i.product_id
left join {{ ref(trusted, sellers) }} s on s.seller_id = i.seller_id
left join {{ ref(trusted, customers) }} c on c.customer_id = o.customer_id
left join payments pay on pay.order_id = o.order_id
left join latest_review r on r.order_id = o.order_id
