-- One row per CRM account (latest version): the ERP customer it maps to and how.

with

matched as (

    select * from {{ ref('int_customer__matched') }}

),

final as (

    select
        foreign_key as account_id,
        code_as_delivered as erp_customer_id_as_delivered,
        erp_key as customer_id,
        match_method
    from matched

)

select * from final
