-- TMS freight movements (latest version per shipment_id) with the normalised mode and
-- the ERP location / customer their origin and destination codes map to.

{%- set known_modes = var('known_freight_modes') %}

with

freight as (

    select * from {{ ref('stg_tms__freight') }}
    where _is_latest

),

tms_crosswalk as (

    select * from {{ ref('tms_location_crosswalk') }}

),

final as (

    select
        f.shipment_id,
        f.carrier,
        lower(f.mode) as mode,
        case
            when lower(f.mode) in ({{ string_literals(known_modes) }}) then true
            else false
        end as is_known_mode,
        f.origin_code,
        origin.erp_id as origin_location_id,
        f.destination_code,
        destination.erp_id as destination_customer_id,
        f.freight_cost,
        {{ currency_or_default('f.currency') }} as currency,
        f.pickup_date,
        f.delivery_date,
        {{ dbt.datediff('f.pickup_date', 'f.delivery_date', 'day') }} as transit_days,
        f._source_file
    from freight as f
    left join tms_crosswalk as origin
        on f.origin_code = origin.code
            and origin.role = 'origin'
    left join tms_crosswalk as destination
        on f.destination_code = destination.code
            and destination.role = 'destination'

)

select * from final
