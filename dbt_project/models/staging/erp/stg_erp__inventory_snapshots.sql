-- On-hand and on-order stock per SKU and location at a date.
-- Text trimmed, blanks as NULL; ERP keys upper(trim()): location_id, sku.
-- Newest wins per key (snapshot_date, location_id, sku): see macros/newest_wins.sql.

with

source as (

    select * from {{ source('raw', 'erp__inventory_snapshots') }}

),

renamed as (

    select
        -- key
        snapshot_date,
        {{ erp_key('location_id') }} as location_id,
        {{ erp_key('sku') }} as sku,

        -- attributes
        on_hand_qty,
        on_order_qty,

        {{ raw_lineage_columns() }}

    from source

),

final as (

    select
        *,
        {{ newest_wins(['snapshot_date', 'location_id', 'sku']) }}
    from renamed

)

select * from final
