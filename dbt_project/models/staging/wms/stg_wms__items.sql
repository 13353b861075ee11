-- WMS item master; erp_sku is the WMS's spelling of the ERP SKU and may be blank.
-- Text trimmed, blanks as NULL; ERP keys upper(trim()): none (keys of this system are only trimmed).
-- Newest wins per key (item_code): see macros/newest_wins.sql.

with

source as (

    select * from {{ source('raw', 'wms__items') }}

),

renamed as (

    select
        -- key
        {{ clean_text('item_code') }} as item_code,

        -- attributes
        {{ clean_text('erp_sku') }} as erp_sku,
        {{ clean_text('item_description') }} as item_description,
        {{ clean_text('item_group') }} as item_group,
        unit_weight_kg,
        unit_volume_m3,

        {{ raw_lineage_columns() }}

    from source

),

final as (

    select
        *,
        {{ newest_wins(['item_code']) }}
    from renamed

)

select * from final
