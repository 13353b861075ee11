-- Plants, distribution centres and stores.
-- Text trimmed, blanks as NULL; ERP keys upper(trim()): location_id.
-- Newest wins per key (location_id): see macros/newest_wins.sql.

with

source as (

    select * from {{ source('raw', 'erp__locations') }}

),

renamed as (

    select
        -- key
        {{ erp_key('location_id') }} as location_id,

        -- attributes
        {{ clean_text('location_name') }} as location_name,
        {{ clean_text('location_type') }} as location_type,
        {{ clean_text('region') }} as region,
        {{ clean_text('country') }} as country,

        {{ raw_lineage_columns() }}

    from source

),

final as (

    select
        *,
        {{ newest_wins(['location_id']) }}
    from renamed

)

select * from final
