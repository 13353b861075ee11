-- ERP item master.
-- Text trimmed, blanks as NULL; ERP keys upper(trim()): sku, supplier_id.
-- Newest wins per key (sku): see macros/newest_wins.sql.

with

source as (

    select * from {{ source('raw', 'erp__products') }}

),

renamed as (

    select
        -- key
        {{ erp_key('sku') }} as sku,

        -- attributes
        {{ clean_text('description') }} as description,
        {{ clean_text('product_family') }} as product_family,
        {{ clean_text('category') }} as category,
        {{ clean_text('brand') }} as brand,
        {{ clean_text('uom') }} as uom,
        unit_cost,
        list_price,
        {{ clean_text('lifecycle_status') }} as lifecycle_status,
        launch_date,
        {{ erp_key('supplier_id') }} as supplier_id,

        {{ raw_lineage_columns() }}

    from source

),

final as (

    select
        *,
        {{ newest_wins(['sku']) }}
    from renamed

)

select * from final
