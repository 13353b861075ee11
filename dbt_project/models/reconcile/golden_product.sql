-- One golden record per ERP sku (latest version): ERP attributes plus those of the
-- surviving matched WMS item, each with the system it came from (`<attribute>_source`),
-- chosen by the seed survivorship_rules.

{%- set attributes = [
    {'name': 'description',
        'sources': [('erp', 'erp_description'), ('wms', 'wms_item_description')]},
    {'name': 'product_family', 'sources': [('erp', 'erp_product_family')]},
    {'name': 'category', 'sources': [('erp', 'erp_category')]},
    {'name': 'brand', 'sources': [('erp', 'erp_brand')]},
    {'name': 'uom', 'sources': [('erp', 'erp_uom')]},
    {'name': 'unit_cost', 'sources': [('erp', 'erp_unit_cost')]},
    {'name': 'list_price', 'sources': [('erp', 'erp_list_price')]},
    {'name': 'lifecycle_status', 'sources': [('erp', 'erp_lifecycle_status')]},
    {'name': 'launch_date', 'sources': [('erp', 'erp_launch_date')]},
    {'name': 'supplier_id', 'sources': [('erp', 'erp_supplier_id')]},
    {'name': 'wms_item_code', 'sources': [('wms', 'wms_item_code')]},
    {'name': 'item_group', 'sources': [('wms', 'wms_item_group')]},
    {'name': 'unit_weight_kg', 'sources': [('wms', 'wms_unit_weight_kg')]},
    {'name': 'unit_volume_m3', 'sources': [('wms', 'wms_unit_volume_m3')]},
] %}

with

erp_products as (

    select * from {{ ref('stg_erp__products') }}
    where _is_latest

),

wms_items as (

    select * from {{ ref('stg_wms__items') }}
    where _is_latest

),

product_matches as (

    select * from {{ ref('int_product__matched') }}
    where is_survivor

),

wms_survivors as (

    select
        m.erp_key as sku,
        i.item_code,
        i.item_description,
        i.item_group,
        i.unit_weight_kg,
        i.unit_volume_m3
    from product_matches as m
    inner join wms_items as i
        on m.foreign_key = i.item_code

),

joined as (

    select
        p.sku,
        p.description as erp_description,
        p.product_family as erp_product_family,
        p.category as erp_category,
        p.brand as erp_brand,
        p.uom as erp_uom,
        p.unit_cost as erp_unit_cost,
        p.list_price as erp_list_price,
        p.lifecycle_status as erp_lifecycle_status,
        p.launch_date as erp_launch_date,
        p.supplier_id as erp_supplier_id,
        w.item_code as wms_item_code,
        w.item_description as wms_item_description,
        w.item_group as wms_item_group,
        w.unit_weight_kg as wms_unit_weight_kg,
        w.unit_volume_m3 as wms_unit_volume_m3
    from erp_products as p
    left join wms_survivors as w
        on p.sku = w.sku

),

{{ survivorship('product', 'sku', attributes) }}

final as (

    select * from survived

)

select * from final
