-- One row per WMS warehouse (latest version): the ERP location it maps to and how.

with

matched as (

    select * from {{ ref('int_location__matched') }}

),

final as (

    select
        foreign_key as warehouse_code,
        code_as_delivered as erp_location_id_as_delivered,
        erp_key as location_id,
        match_method
    from matched

)

select * from final
