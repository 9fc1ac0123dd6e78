-- product_category_name_translation: Category names, Portuguese to English.
-- Typed and trimmed from raw; the checks of datasets/product_category_name_translation.yaml then
-- quarantine rows that fail them and superseded duplicates of the key.
select
  {{ text(product_category_name) }} as product_category_name,
  {{ text(product_category_name_english) }} as product_category_name_english,
  {{ lineage() }}
from {{ source(product_category_name_translation) }}
