-- Market volatility index per product category.
-- Text trimmed, blanks as NULL; ERP keys upper(trim()): none (keys of this system are only trimmed).
-- Newest wins per key (index_date, category): see macros/newest_wins.sql.

with

source as (

    select * from {{ source('raw', 'external__market_index') }}

),

renamed as (

    select
        -- key
        index_date,
        {{ clean_text('category') }} as category,

        -- attributes
        volatility_index,

        {{ raw_lineage_columns() }}

    from source

),

final as (

    select
        *,
        {{ newest_wins(['index_date', 'category']) }}
    from renamed

)

select * from final
