-- customers: One row per order-customer; customer_unique_id identifies the person across orders.
-- Typed and trimmed from raw; the checks of datasets/customers.yaml then
-- quarantine rows that fail them and superseded duplicates of the key.
select
  {{ text(customer_id) }} as customer_id,
  {{ text(customer_unique_id) }} as customer_unique_id,
  {{ text(customer_zip_code_prefix) }} as customer_zip_code_prefix,
  {{ text(customer_city) }} as customer_city,
  upper({{ text(customer_state) }}) as customer_state,
  {{ lineage() }}
from {{ source(customers) }}
