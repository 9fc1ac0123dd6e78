-- order_items: One row per item of an order; an order with three units of a product has three rows.
-- Typed and trimmed from raw; the checks of datasets/order_items.yaml then
-- quarantine rows that fail them and superseded duplicates of the key.
select
  {{ text(order_id) }} as order_id,
  {{ int(order_item_id) }} as order_item_id,
  {{ text(product_id) }} as product_id,
  {{ text(seller_id) }} as seller_id,
  {{ timestamp(shipping_limit_date) }} as shipping_limit_date,
  {{ decimal(price) }} as price,
  {{ decimal(freight_value) }} as freight_value,
  {{ lineage() }}
from {{ source(order_items) }}
