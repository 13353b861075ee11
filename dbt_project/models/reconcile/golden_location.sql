-- One golden record per ERP location_id (latest version): ERP attributes plus those of
-- the surviving matched WMS warehouse, each with `<attribute>_source`, chosen by the seed
-- survivorship_rules.

{%- set attributes = [
    {'name': 'location_name',
        'sources': [('erp', 'erp_location_name'), ('wms', 'wms_warehouse_name')]},
    {'name': 'location_type', 'sources': [('erp', 'erp_location_type')]},
    {'name': 'region', 'sources': [('erp', 'erp_region')]},
    {'name': 'country', 'sources': [('erp', 'erp_country')]},
    {'name': 'wms_warehouse_code', 'sources': [('wms', 'wms_warehouse_code')]},
    {'name': 'warehouse_name', 'sources': [('wms', 'wms_warehouse_name')]},
] %}

with

erp_locations as (

    select * from {{ ref('stg_erp__locations') }}
    where _is_latest

),

wms_warehouses as (

    select * from {{ ref('stg_wms__warehouses') }}
    where _is_latest

),

location_matches as (

    select * from {{ ref('int_location__matched') }}
    where is_survivor

),

wms_survivors as (

    select
        m.erp_key as location_id,
        w.warehouse_code,
        w.warehouse_name
    from location_matches as m
    inner join wms_warehouses as w
        on m.foreign_key = w.warehouse_code

),

joined as (

    select
        l.location_id,
        l.location_name as erp_location_name,
        l.location_type as erp_location_type,
        l.region as erp_region,
        l.country as erp_country,
        w.warehouse_code as wms_warehouse_code,
        w.warehouse_name as wms_warehouse_name
    from erp_locations as l
    left join wms_survivors as w
        on l.location_id = w.location_id

),

{{ survivorship('location', 'location_id', attributes) }}

final as (

    select * from survived

)

select * from final
