-- Distinct TMS origin codes matched to ERP locations. An origin code may be an ERP
-- location_id or a WMS warehouse_code, in any spelling: both are candidates, a warehouse
-- code standing for the ERP location its warehouse matched. Code stages only (the TMS
-- carries no names).

with

freight as (

    select * from {{ ref('stg_tms__freight') }}
    where _is_latest

),

origin_codes as (

    select
        origin_code as code,
        count(*) as shipments
    from freight
    where origin_code is not null
    group by origin_code

),

foreign_records as (

    select
        code as foreign_key,
        code,
        cast(null as {{ dbt.type_string() }}) as name,
        0 as completeness
    from origin_codes

),

erp_locations as (

    select
        location_id as candidate_code,
        cast(null as {{ dbt.type_string() }}) as candidate_name,
        location_id as erp_key
    from {{ ref('stg_erp__locations') }}
    where _is_latest

),

wms_warehouses as (

    select
        foreign_key as candidate_code,
        cast(null as {{ dbt.type_string() }}) as candidate_name,
        erp_key
    from {{ ref('int_location__matched') }}
    where erp_key is not null

),

erp_candidates as (

    select * from erp_locations
    union all
    select * from wms_warehouses

),

{{ match_cascade('foreign_records', 'erp_candidates') }}

final as (

    select
        m.*,
        'origin' as role,
        o.shipments
    from match_result as m
    inner join origin_codes as o
        on m.foreign_key = o.code

)

select * from final
