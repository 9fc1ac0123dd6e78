-- fs_seller_products: per seller and snapshot, what the seller's items sold in
-- the 6 months before it were: how many distinct products and categories,
-- listing photos, package volume (length x height x width, cm3) and the share
-- of items in each of the 15 largest Olist categories, plus the rest.
--
-- Per item, not per product: a product sold ten times weighs ten times. The
-- 15 categories are TOP_CATEGORIES (workloads/olist/features.ts), a fixed
-- list so the columns never move; they are written out here and a test
-- checks them against the dataset definition. Items whose product or
-- category is unknown count in share_items_other, so the shares sum to 1.
with snapshots as (
  select dt_reference, {{ add_months(dt_reference, -6) }} as window_start
  from {{ ref(ml, snapshots) }}
),
seller_items as (
  select i.seller_id, i.product_id, cast(o.order_purchase_timestamp as date) as sale_date
  from {{ ref(trusted, order_items) }} i
  join {{ ref(trusted, orders) }} o on o.order_id = i.order_id
),
windowed as (
  select s.dt_reference, si.seller_id, si.product_id
  from snapshots s
  join seller_items si on si.sale_date >= s.window_start and si.sale_date < s.dt_reference
),
products as (
  select
    product_id,
    product_category_name,
    cast(product_photos_qty as double) as photos,
    cast(product_length_cm as double) * product_height_cm * product_width_cm as volume_cm3
  from {{ ref(trusted, products) }}
)
select
  w.seller_id,
  w.dt_reference,
  count(distinct w.product_id) as distinct_products,
  count(distinct p.product_category_name) as distinct_categories,
  avg(p.photos) as avg_photos,
  avg(p.volume_cm3) as avg_product_volume_cm3,
  min(p.volume_cm3) as min_product_volume_cm3,
  max(p.volume_cm3) as max_product_volume_cm3,
  cast(sum(case when p.product_category_name = 'cama_mesa_banho' then 1 else 0 end) as double) / count(*) as share_items_cama_mesa_banho,
  cast(sum(case when p.product_category_name = 'beleza_saude' then 1 else 0 end) as double) / count(*) as share_items_beleza_saude,
  cast(sum(case when p.product_category_name = 'esporte_lazer' then 1 else 0 end) as double) / count(*) as share_items_esporte_lazer,
  cast(sum(case when p.product_category_name = 'moveis_decoracao' then 1 else 0 end) as double) / count(*) as share_items_moveis_decoracao,
  cast(sum(case when p.product_category_name = 'informatica_acessorios' then 1 else 0 end) as double) / count(*) as share_items_informatica_acessorios,
  cast(sum(case when p.product_category_name = 'utilidades_domesticas' then 1 else 0 end) as double) / count(*) as share_items_utilidades_domesticas,
  cast(sum(case when p.product_category_name = 'relogios_presentes' then 1 else 0 end) as double) / count(*) as share_items_relogios_presentes,
  cast(sum(case when p.product_category_name = 'telefonia' then 1 else 0 end) as double) / count(*) as share_items_telefonia,
  cast(sum(case when p.product_category_name = 'ferramentas_jardim' then 1 else 0 end) as double) / count(*) as share_items_ferramentas_jardim,
  cast(sum(case when p.product_category_name = 'automotivo' then 1 else 0 end) as double) / count(*) as share_items_automotivo,
  cast(sum(case when p.product_category_name = 'brinquedos' then 1 else 0 end) as double) / count(*) as share_items_brinquedos,
  cast(sum(case when p.product_category_name = 'cool_stuff' then 1 else 0 end) as double) / count(*) as share_items_cool_stuff,
  cast(sum(case when p.product_category_name = 'perfumaria' then 1 else 0 end) as double) / count(*) as share_items_perfumaria,
  cast(sum(case when p.product_category_name = 'bebes' then 1 else 0 end) as double) / count(*) as share_items_bebes,
  cast(sum(case when p.product_category_name = 'eletronicos' then 1 else 0 end) as double) / count(*) as share_items_eletronicos,
  cast(sum(
    case
      when p.product_category_name in (
        'cama_mesa_banho', 'beleza_saude', 'esporte_lazer', 'moveis_decoracao',
        'informatica_acessorios', 'utilidades_domesticas', 'relogios_presentes', 'telefonia',
        'ferramentas_jardim', 'automotivo', 'brinquedos', 'cool_stuff',
        'perfumaria', 'bebes', 'eletronicos'
      ) then 0
      else 1
    end
  ) as double) / count(*) as share_items_other
from windowed w
left join products p on p.product_id = w.product_id
group by w.seller_id, w.dt_reference
