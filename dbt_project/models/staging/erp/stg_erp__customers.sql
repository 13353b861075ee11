-- ERP customer master with the account hierarchy.
-- Text trimmed, blanks as NULL; ERP keys upper(trim()): customer_id, parent_customer_id.
-- Newest wins per key (customer_id): see macros/newest_wins.sql.

with

source as (

    select * from {{ source('raw', 'erp__customers') }}

),

renamed as (

    select
        -- key
        {{ erp_key('customer_id') }} as customer_id,

        -- attributes
        {{ clean_text('customer_name') }} as customer_name,
        {{ erp_key('parent_customer_id') }} as parent_customer_id,
        {{ clean_text('channel') }} as channel,
        {{ clean_text('region') }} as region,
        {{ clean_text('country') }} as country,

        {{ raw_lineage_columns() }}

    from source

),

final as (

    select
        *,
        {{ newest_wins(['customer_id']) }}
    from renamed

)

select * from final
