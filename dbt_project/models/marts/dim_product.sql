-- Product dimension: one row per ERP sku, from the golden record.

with

golden as (

    select * from {{ ref('golden_product') }}

),

final as (

    select
        sku,
        description,
        product_family,
        category,
        brand,
        uom,
        unit_cost,
        list_price,
        lifecycle_status,
        launch_date,
        supplier_id,
        wms_item_code,
        item_group,
        unit_weight_kg,
        unit_volume_m3,
        description_source,
        product_family_source,
        category_source,
        brand_source,
        uom_source,
        unit_cost_source,
        list_price_source,
        lifecycle_status_source,
        launch_date_source,
        supplier_id_source,
        wms_item_code_source,
        item_group_source,
        unit_weight_kg_source,
        unit_volume_m3_source
    from golden

)

select * from final
