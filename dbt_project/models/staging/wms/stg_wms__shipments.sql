-- Shipped order lines as the WMS saw them.
-- Text trimmed, blanks as NULL; ERP keys upper(trim()): order_id.
-- Newest wins per key (shipment_id, order_id, line_number): see macros/newest_wins.sql.

with

source as (

    select * from {{ source('raw', 'wms__shipments') }}

),

renamed as (

    select
        -- key
        {{ clean_text('shipment_id') }} as shipment_id,
        {{ erp_key('order_id') }} as order_id,
        line_number,

        -- attributes
        {{ clean_text('warehouse_code') }} as warehouse_code,
        {{ clean_text('item_code') }} as item_code,
        ship_date,
        shipped_qty,
        handling_cost,

        {{ raw_lineage_columns() }}

    from source

),

final as (

    select
        *,
        {{ newest_wins(['shipment_id', 'order_id', 'line_number']) }}
    from renamed

)

select * from final
