-- WMS warehouses and their ERP location.
-- Text trimmed, blanks as NULL; ERP keys upper(trim()): none (keys of this system are only trimmed).
-- Newest wins per key (warehouse_code): see macros/newest_wins.sql.

with

source as (

    select * from {{ source('raw', 'wms__warehouses') }}

),

renamed as (

    select
        -- key
        {{ clean_text('warehouse_code') }} as warehouse_code,

        -- attributes
        {{ clean_text('erp_location_id') }} as erp_location_id,
        {{ clean_text('warehouse_name') }} as warehouse_name,

        {{ raw_lineage_columns() }}

    from source

),

final as (

    select
        *,
        {{ newest_wins(['warehouse_code']) }}
    from renamed

)

select * from final
