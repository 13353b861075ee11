-- Every staged ERP order line with the first quarantine rule it fails (NULL = clean).
-- Clean lines become marts.fct_order_lines, the others quarantine.order_lines, so every
-- raw line lands in exactly one of the two.

with

order_lines as (

    select * from {{ ref('stg_erp__order_lines') }}

),

products as (

    select sku from {{ ref('stg_erp__products') }}
    where _is_latest

),

customers as (

    select customer_id from {{ ref('stg_erp__customers') }}
    where _is_latest

),

checked as (

    select
        o.*,
        case
            when o.order_id is null or o.line_number is null or o.order_date is null
                or o.customer_id is null or o.sku is null or o.quantity is null
                or o.unit_price is null
                then true
            else false
        end as is_missing_required,
        case when p.sku is null then false else true end as is_known_product,
        case when c.customer_id is null then false else true end as is_known_customer
    from order_lines as o
    left join products as p
        on o.sku = p.sku
    left join customers as c
        on o.customer_id = c.customer_id

),

validated as (

    select
        *,
        -- first failing rule, in priority order
        case
            when _superseded_reason = 'superseded_by_newer_drop' then 'superseded_by_newer_drop'
            when _superseded_reason = 'duplicate_key_in_file' then 'duplicate_key_in_file'
            when is_missing_required then 'missing_key'
            when not is_known_product then 'unknown_product'
            when not is_known_customer then 'unknown_customer'
            when unit_price < 0 then 'negative_price'
            when order_date > {{ as_of_date() }} then 'order_date_in_future'
            when quantity = 0 then 'zero_quantity'
        end as quarantine_rule
    from checked

),

final as (

    select
        *,
        case quarantine_rule
            when 'superseded_by_newer_drop' then {{ dbt.concat([
                "'a newer drop has this order line: '", '_superseded_by',
            ]) }}
            when 'duplicate_key_in_file' then {{ dbt.concat([
                "'the order line repeats later in the same file: '", '_superseded_by',
            ]) }}
            when 'missing_key' then {{ dbt.concat([
                "'required value missing:'",
                "case when order_id is null then ' order_id' else '' end",
                "case when line_number is null then ' line_number' else '' end",
                "case when order_date is null then ' order_date' else '' end",
                "case when customer_id is null then ' customer_id' else '' end",
                "case when sku is null then ' sku' else '' end",
                "case when quantity is null then ' quantity' else '' end",
                "case when unit_price is null then ' unit_price' else '' end",
            ]) }}
            when 'unknown_product' then {{ dbt.concat([
                "'sku '''", 'sku', "''' is not in erp.products'",
            ]) }}
            when 'unknown_customer' then {{ dbt.concat([
                "'customer_id '''", 'customer_id', "''' is not in erp.customers'",
            ]) }}
            when 'negative_price' then {{ dbt.concat([
                "'unit_price '", to_text('unit_price'), "' is negative'",
            ]) }}
            when 'order_date_in_future' then {{ dbt.concat([
                "'order_date '", to_text('order_date'), "' is after '", to_text(as_of_date()),
            ]) }}
            when 'zero_quantity' then 'quantity is zero'
        end as quarantine_detail
    from validated

)

select * from final
