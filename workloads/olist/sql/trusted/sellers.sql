-- sellers: One row per seller: where they ship from.
-- Typed and trimmed from raw; the checks of datasets/sellers.yaml then
-- quarantine rows that fail them and superseded duplicates of the key.
select
  {{ text(seller_id) }} as seller_id,
  {{ text(seller_zip_code_prefix) }} as seller_zip_code_prefix,
  {{ text(seller_city) }} as seller_city,
  upper({{ text(seller_state) }}) as seller_state,
  {{ lineage() }}
from {{ source(sellers) }}
