-- Clean ERP order lines: latest version per (order_id, line_number) that passed every
-- quarantine rule (see quarantine.order_lines for the rest).

with

validated as (

    select * from {{ ref('int_order_lines__validated') }}
    where quarantine_rule is null

),

final as (

    select
        {{ dbt.hash(dbt.concat(['order_id', "'|'", to_text('line_number')])) }} as order_line_key,
        order_id,
        line_number,
        order_date,
        customer_id,
        sku,
        quantity,
        unit_price,
        cast(round(quantity * unit_price, 2) as {{ type_money() }}) as line_revenue,
        {{ currency_or_default('currency') }} as currency,
        requested_delivery_date,
        promised_delivery_date,
        ship_from_location_id,
        lower(order_status) as order_status,
        case when quantity < 0 then true else false end as is_return,
        case when lower(order_status) = 'cancelled' then true else false end as is_cancelled,
        _raw_row_id,
        _source_file
    from validated

)

select * from final
