-- seller_snapshot_features: every feature of a seller at a snapshot, for the
-- sellers active at it (last sale at most param(active_days) days before
-- dt_reference). The one place the six feature tables are joined: the churn
-- ABT, the segmentation base and scoring all read it, so a model is trained
-- and scored on the same columns computed the same way.
--
-- Every feature table has a row for each seller with a sale in the window,
-- so the left joins only guard against a table built from other data.
select
  s.seller_id,
  s.dt_reference,
  {{ feature_columns(fs_seller_sales, s) }},
  {{ feature_columns(fs_seller_reviews, r) }},
  {{ feature_columns(fs_seller_customers, c) }},
  {{ feature_columns(fs_seller_delivery, d) }},
  {{ feature_columns(fs_seller_payments, p) }},
  {{ feature_columns(fs_seller_products, pr) }}
from {{ ref(refined, fs_seller_sales) }} s
left join {{ ref(refined, fs_seller_reviews) }} r on r.seller_id = s.seller_id and r.dt_reference = s.dt_reference
left join {{ ref(refined, fs_seller_customers) }} c on c.seller_id = s.seller_id and c.dt_reference = s.dt_reference
left join {{ ref(refined, fs_seller_delivery) }} d on d.seller_id = s.seller_id and d.dt_reference = s.dt_reference
left join {{ ref(refined, fs_seller_payments) }} p on p.seller_id = s.seller_id and p.dt_reference = s.dt_reference
left join {{ ref(refined, fs_seller_products) }} pr on pr.seller_id = s.seller_id and pr.dt_reference = s.dt_reference
where s.recency_days <= {{ param(active_days) }}
