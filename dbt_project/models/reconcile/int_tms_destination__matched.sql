-- Distinct TMS destination codes matched to ERP customers (code stages only: the TMS
-- carries no names).

with

freight as (

    select * from {{ ref('stg_tms__freight') }}
    where _is_latest

),

destination_codes as (

    select
        destination_code as code,
        count(*) as shipments
    from freight
    where destination_code is not null
    group by destination_code

),

foreign_records as (

    select
        code as foreign_key,
        code,
        cast(null as {{ dbt.type_string() }}) as name,
        0 as completeness
    from destination_codes

),

erp_candidates as (

    select
        customer_id as candidate_code,
        cast(null as {{ dbt.type_string() }}) as candidate_name,
        customer_id as erp_key
    from {{ ref('stg_erp__customers') }}
    where _is_latest

),

{{ match_cascade('foreign_records', 'erp_candidates') }}

final as (

    select
        m.*,
        'destination' as role,
        d.shipments
    from match_result as m
    inner join destination_codes as d
        on m.foreign_key = d.code

)

select * from final
