-- WMS shipped lines (latest version per shipment_id, order_id, line_number) with the ERP
-- sku and location their item and warehouse map to.

with

shipments as (

    select * from {{ ref('stg_wms__shipments') }}
    where _is_latest

),

product_crosswalk as (

    select * from {{ ref('product_crosswalk') }}

),

location_crosswalk as (

    select * from {{ ref('location_crosswalk') }}

),

final as (

    select
        s.shipment_id,
        s.order_id,
        s.line_number,
        p.sku,
        l.location_id,
        s.warehouse_code,
        s.item_code,
        s.ship_date,
        s.shipped_qty,
        s.handling_cost,
        p.match_method as sku_match_method,
        s._source_file
    from shipments as s
    left join product_crosswalk as p
        on s.item_code = p.item_code
    left join location_crosswalk as l
        on s.warehouse_code = l.warehouse_code

)

select * from final
