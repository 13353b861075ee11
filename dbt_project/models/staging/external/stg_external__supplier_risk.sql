-- Third-party supplier risk scores, 0 to 100.
-- Text trimmed, blanks as NULL; ERP keys upper(trim()): supplier_id.
-- Newest wins per key (supplier_id, as_of_date): see macros/newest_wins.sql.

with

source as (

    select * from {{ source('raw', 'external__supplier_risk') }}

),

renamed as (

    select
        -- key
        {{ erp_key('supplier_id') }} as supplier_id,
        as_of_date,

        -- attributes
        risk_score,

        {{ raw_lineage_columns() }}

    from source

),

final as (

    select
        *,
        {{ newest_wins(['supplier_id', 'as_of_date']) }}
    from renamed

)

select * from final
