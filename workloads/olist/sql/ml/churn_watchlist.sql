-- churn_watchlist: the retention team's list for one scoring date. Sellers the
-- champion classes as churning, highest score first, with the facts a call
-- needs, read from the same snapshot the scores came from. The scoring step
-- builds it right after writing that date's scores.
select
  s.seller_id,
  cast(row_number() over (order by s.score desc, s.seller_id) as int) as rank,
  s.score,
  s.model_version,
  f.recency_days,
  f.orders,
  f.revenue,
  f.lifetime_value,
  r.avg_review_score,
  d.share_late
from {{ ref(refined, churn_scores) }} s
join {{ ref(refined, fs_seller_sales) }} f
  on f.seller_id = s.seller_id and f.dt_reference = s.dt_score
left join {{ ref(refined, fs_seller_reviews) }} r
  on r.seller_id = s.seller_id and r.dt_reference = s.dt_score
left join {{ ref(refined, fs_seller_delivery) }} d
  on d.seller_id = s.seller_id and d.dt_reference = s.dt_score
where s.dt_score = {{ param(dt_score) }}
  and s.model = {{ param(model) }}
  and s.class = 1
