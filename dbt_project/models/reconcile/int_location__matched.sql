-- WMS warehouses (latest version per warehouse_code) matched to ERP locations through
-- the cascade in macros/match_cascade.sql, with duplicate survivorship per location.

with

wms_warehouses as (

    select * from {{ ref('stg_wms__warehouses') }}
    where _is_latest

),

erp_locations as (

    select * from {{ ref('stg_erp__locations') }}
    where _is_latest

),

foreign_records as (

    select
        warehouse_code as foreign_key,
        erp_location_id as code,
        warehouse_name as name,
        {{ count_non_null(['erp_location_id', 'warehouse_name']) }} as completeness
    from wms_warehouses

),

erp_candidates as (

    select
        location_id as candidate_code,
        location_name as candidate_name,
        location_id as erp_key
    from erp_locations

),

{{ match_cascade('foreign_records', 'erp_candidates') }}

{{ duplicate_survivors('location') }}

final as (

    select * from survivors

)

select * from final
