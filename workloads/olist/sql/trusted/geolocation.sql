-- geolocation: Coordinates seen per zip code prefix; several rows per prefix.
-- Typed and trimmed from raw; the checks of datasets/geolocation.yaml then
-- quarantine rows that fail them and superseded duplicates of the key.
select
  {{ text(geolocation_zip_code_prefix) }} as geolocation_zip_code_prefix,
  {{ double(geolocation_lat) }} as geolocation_lat,
  {{ double(geolocation_lng) }} as geolocation_lng,
  {{ text(geolocation_city) }} as geolocation_city,
  upper({{ text(geolocation_state) }}) as geolocation_state,
  {{ lineage() }}
from {{ source(geolocation) }}
