{{ config(alias='order_lines') }}

-- Every raw ERP order line that is not in marts.fct_order_lines, exactly once, with the
-- first rule it fails and the raw values as delivered.

{%- set contract_columns = [
    'order_id', 'line_number', 'order_date', 'customer_id', 'sku', 'quantity', 'unit_price',
    'requested_delivery_date', 'promised_delivery_date', 'ship_from_location_id', 'currency',
    'order_status',
] %}

with

raw_order_lines as (

    select * from {{ source('raw', 'erp__order_lines') }}

),

rejected as (

    select * from {{ ref('int_order_lines__validated') }}
    where quarantine_rule is not null

),

final as (

    select
        q.quarantine_rule as rule,
        q.quarantine_detail as detail,
        {%- for column in contract_columns %}
        r.{{ column }},
        {%- endfor %}
        r._raw_row_id,
        r._source_file,
        r._row_number,
        r._file_modified_at,
        r._loaded_at
    from rejected as q
    inner join raw_order_lines as r
        on q._raw_row_id = r._raw_row_id

)

select * from final
