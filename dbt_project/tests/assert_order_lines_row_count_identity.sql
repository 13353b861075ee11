{{ config(meta={'dagster': {'ref': {'name': 'quarantine_order_lines'}}}) }}

-- count(raw.erp__order_lines) = count(marts.fct_order_lines) + count(quarantine.order_lines):
-- every raw order line is either clean or quarantined, never both, never lost.

with

counts as (

    select
        (select count(*) from {{ source('raw', 'erp__order_lines') }}) as raw_lines,
        (select count(*) from {{ ref('fct_order_lines') }}) as clean_lines,
        (select count(*) from {{ ref('quarantine_order_lines') }}) as quarantined_lines

)

select *
from counts
where raw_lines <> clean_lines + quarantined_lines
