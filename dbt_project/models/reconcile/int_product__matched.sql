-- WMS items (latest version per item_code) matched to ERP products through the
-- cascade in macros/match_cascade.sql, with duplicate survivorship per ERP sku.

with

wms_items as (

    select * from {{ ref('stg_wms__items') }}
    where _is_latest

),

erp_products as (

    select * from {{ ref('stg_erp__products') }}
    where _is_latest

),

foreign_records as (

    select
        item_code as foreign_key,
        erp_sku as code,
        item_description as name,
        {{ count_non_null([
            'erp_sku', 'item_description', 'item_group', 'unit_weight_kg', 'unit_volume_m3',
        ]) }} as completeness
    from wms_items

),

erp_candidates as (

    select
        sku as candidate_code,
        description as candidate_name,
        sku as erp_key
    from erp_products

),

{{ match_cascade('foreign_records', 'erp_candidates') }}

{{ duplicate_survivors('product') }}

final as (

    select * from survivors

)

select * from final
