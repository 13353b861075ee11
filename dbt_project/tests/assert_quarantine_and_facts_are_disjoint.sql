{{ config(meta={'dagster': {'ref': {'name': 'quarantine_order_lines'}}}) }}

-- No raw order line is both in marts.fct_order_lines and in quarantine.order_lines.

select f._raw_row_id
from {{ ref('fct_order_lines') }} as f
inner join {{ ref('quarantine_order_lines') }} as q
    on f._raw_row_id = q._raw_row_id
