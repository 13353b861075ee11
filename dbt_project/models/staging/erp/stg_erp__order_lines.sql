-- Sales order lines from the ERP; negative quantity is a return or credit.
-- Text trimmed, blanks as NULL; ERP keys upper(trim()): customer_id, order_id, ship_from_location_id, sku.
-- Newest wins per key (order_id, line_number): see macros/newest_wins.sql.

with

source as (

    select * from {{ source('raw', 'erp__order_lines') }}

),

renamed as (

    select
        -- key
        {{ erp_key('order_id') }} as order_id,
        line_number,

        -- attributes
        order_date,
        {{ erp_key('customer_id') }} as customer_id,
        {{ erp_key('sku') }} as sku,
        quantity,
        unit_price,
        requested_delivery_date,
        promised_delivery_date,
        {{ erp_key('ship_from_location_id') }} as ship_from_location_id,
        {{ clean_text('currency') }} as currency,
        {{ clean_text('order_status') }} as order_status,

        {{ raw_lineage_columns() }}

    from source

),

final as (

    select
        *,
        {{ newest_wins(['order_id', 'line_number']) }}
    from renamed

)

select * from final
