-- Freight movements; origin is a location code, destination a customer code, in the TMS's spelling.
-- Text trimmed, blanks as NULL; ERP keys upper(trim()): none (keys of this system are only trimmed).
-- Newest wins per key (shipment_id): see macros/newest_wins.sql.

with

source as (

    select * from {{ source('raw', 'tms__freight') }}

),

renamed as (

    select
        -- key
        {{ clean_text('shipment_id') }} as shipment_id,

        -- attributes
        {{ clean_text('carrier') }} as carrier,
        {{ clean_text('mode') }} as mode,
        {{ clean_text('origin_code') }} as origin_code,
        {{ clean_text('destination_code') }} as destination_code,
        freight_cost,
        {{ clean_text('currency') }} as currency,
        pickup_date,
        delivery_date,

        {{ raw_lineage_columns() }}

    from source

),

final as (

    select
        *,
        {{ newest_wins(['shipment_id']) }}
    from renamed

)

select * from final
