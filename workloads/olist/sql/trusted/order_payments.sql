-- order_payments: One row per payment of an order; an order may be paid with several methods.
-- Typed and trimmed from raw; the checks of datasets/order_payments.yaml then
-- quarantine rows that fail them and superseded duplicates of the key.
select
  {{ text(order_id) }} as order_id,
  {{ int(payment_sequential) }} as payment_sequential,
  lower({{ text(payment_type) }}) as payment_type,
  {{ int(payment_installments) }} as payment_installments,
  {{ decimal(payment_value) }} as payment_value,
  {{ lineage() }}
from {{ source(order_payments) }}
