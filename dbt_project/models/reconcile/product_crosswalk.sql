-- One row per WMS item (latest version): the ERP sku it maps to and how.

with

matched as (

    select * from {{ ref('int_product__matched') }}

),

final as (

    select
        foreign_key as item_code,
        code_as_delivered as erp_sku_as_delivered,
        erp_key as sku,
        match_method
    from matched

)

select * from final
