-- Supplier lead times and minimum order quantities.
-- Text trimmed, blanks as NULL; ERP keys upper(trim()): sku, supplier_id.
-- Newest wins per key (supplier_id, sku): see macros/newest_wins.sql.

with

source as (

    select * from {{ source('raw', 'erp__supply') }}

),

renamed as (

    select
        -- key
        {{ erp_key('supplier_id') }} as supplier_id,
        {{ erp_key('sku') }} as sku,

        -- attributes
        lead_time_days,
        lead_time_std_days,
        moq,

        {{ raw_lineage_columns() }}

    from source

),

final as (

    select
        *,
        {{ newest_wins(['supplier_id', 'sku']) }}
    from renamed

)

select * from final
