-- orders: One row per order, with its status and lifecycle timestamps.
-- Typed and trimmed from raw; the checks of datasets/orders.yaml then
-- quarantine rows that fail them and superseded duplicates of the key.
select
  {{ text(order_id) }} as order_id,
  {{ text(customer_id) }} as customer_id,
  lower({{ text(order_status) }}) as order_status,
  {{ timestamp(order_purchase_timestamp) }} as order_purchase_timestamp,
  {{ timestamp(order_approved_at) }} as order_approved_at,
  {{ timestamp(order_delivered_carrier_date) }} as order_delivered_carrier_date,
  {{ timestamp(order_delivered_customer_date) }} as order_delivered_customer_date,
  {{ timestamp(order_estimated_delivery_date) }} as order_estimated_delivery_date,
  {{ lineage() }}
from {{ source(orders) }}
