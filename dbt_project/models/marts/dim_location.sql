-- Location dimension: one row per ERP location_id, from the golden record.

with

golden as (

    select * from {{ ref('golden_location') }}

),

final as (

    select
        location_id,
        location_name,
        location_type,
        region,
        country,
        wms_warehouse_code,
        warehouse_name,
        location_name_source,
        location_type_source,
        region_source,
        country_source,
        wms_warehouse_code_source,
        warehouse_name_source
    from golden

)

select * from final
