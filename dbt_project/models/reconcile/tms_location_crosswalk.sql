-- One row per TMS code and role: origin codes map to ERP locations (directly or through
-- a WMS warehouse code), destination codes to ERP customers.

with

origins as (

    select * from {{ ref('int_tms_origin__matched') }}

),

destinations as (

    select * from {{ ref('int_tms_destination__matched') }}

),

unioned as (

    select
        foreign_key as code,
        role,
        erp_key as erp_id,
        match_method
    from origins
    union all
    select
        foreign_key as code,
        role,
        erp_key as erp_id,
        match_method
    from destinations

),

final as (

    select * from unioned

)

select * from final
