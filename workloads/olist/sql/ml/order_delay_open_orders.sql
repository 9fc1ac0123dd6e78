-- order_delay_open_orders: the orders the order-delay model scores. Every
-- order still open (status other than delivered, canceled and unavailable),
-- whatever its purchase month, with its dt_reference (the first day of its
-- purchase month) and the same feature columns, in the same order, as
-- abt_order_delay: ref(ml, order_delay_features)'s columns, computed the same
-- way as for training, so an order's score is what the model would have said
-- at its purchase.
--
-- Any month, not only the latest: an order bought weeks ago and still open is
-- the one customer service most needs ranked, and Olist's last months hold
-- few open orders (the published data ends with canceled ones).
with features as (
  select * from {{ ref(ml, order_delay_features) }}
),
open_orders as (
  select o.order_id
  from {{ ref(trusted, orders) }} o
  where o.order_status not in ('delivered', 'canceled', 'unavailable')
)
select f.*
from features f
join open_orders o on o.order_id = f.order_id
