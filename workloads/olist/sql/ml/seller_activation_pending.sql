-- seller_activation_pending: the sellers the seller-activation model scores:
-- those signed up by a deal whose window (param window_days) has not passed
-- inside the data and who have not sold yet, with the same feature columns,
-- in the same order, as abt_seller_activation (ref(ml,
-- seller_activation_features)'s): the new sellers worth a call.
select f.*
from {{ ref(ml, seller_activation_features) }} f
where f.days_observed < {{ param(window_days) }}
  and f.days_to_first_sale is null
