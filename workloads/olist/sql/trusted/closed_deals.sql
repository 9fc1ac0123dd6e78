-- closed_deals: One row per closed deal of Olist's sales team, the day a lead signed up as a seller.
-- Typed and trimmed from raw; the checks of datasets/closed_deals.yaml then
-- quarantine rows that fail them and superseded duplicates of the key.
select
  {{ text(mql_id) }} as mql_id,
  {{ text(seller_id) }} as seller_id,
  {{ text(sdr_id) }} as sdr_id,
  {{ text(sr_id) }} as sr_id,
  {{ timestamp(won_date) }} as won_date,
  lower({{ text(business_segment) }}) as business_segment,
  lower({{ text(lead_type) }}) as lead_type,
  lower({{ text(lead_behaviour_profile) }}) as lead_behaviour_profile,
  {{ boolean(has_company) }} as has_company,
  {{ boolean(has_gtin) }} as has_gtin,
  {{ text(average_stock) }} as average_stock,
  lower({{ text(business_type) }}) as business_type,
  {{ double(declared_product_catalog_size) }} as declared_product_catalog_size,
  {{ double(declared_monthly_revenue) }} as declared_monthly_revenue,
  {{ lineage() }}
from {{ source(closed_deals) }}
