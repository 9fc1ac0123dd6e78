-- products: Product catalogue: category, listing quality and package dimensions.
-- Typed and trimmed from raw; the checks of datasets/products.yaml then
-- quarantine rows that fail them and superseded duplicates of the key.
select
  {{ text(product_id) }} as product_id,
  {{ text(product_category_name) }} as product_category_name,
  {{ int(product_name_lenght) }} as product_name_lenght,
  {{ int(product_description_lenght) }} as product_description_lenght,
  {{ int(product_photos_qty) }} as product_photos_qty,
  {{ int(product_weight_g) }} as product_weight_g,
  {{ int(product_length_cm) }} as product_length_cm,
  {{ int(product_height_cm) }} as product_height_cm,
  {{ int(product_width_cm) }} as product_width_cm,
  {{ lineage() }}
from {{ source(products) }}
