-- order_reviews: Customer reviews of orders; texts may hold quoted newlines.
-- Typed and trimmed from raw; the checks of datasets/order_reviews.yaml then
-- quarantine rows that fail them and superseded duplicates of the key.
select
  {{ text(review_id) }} as review_id,
  {{ text(order_id) }} as order_id,
  {{ int(review_score) }} as review_score,
  {{ text(review_comment_title) }} as review_comment_title,
  {{ text(review_comment_message) }} as review_comment_message,
  {{ timestamp(review_creation_date) }} as review_creation_date,
  {{ timestamp(review_answer_timestamp) }} as review_answer_timestamp,
  {{ lineage() }}
from {{ source(order_reviews) }}
