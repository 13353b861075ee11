-- Demand per SKU and ISO week (Monday), zero-filled from the SKU's first demand week to
-- the last week in the data. Cancelled lines do not count.

-- weeks a SKU's history may span (~190 years): the series is generated once and cut to size
{%- set max_weeks = 10000 %}

with

order_lines as (

    select
        sku,
        {{ week_start('order_date') }} as week_start,
        quantity,
        line_revenue,
        is_cancelled
    from {{ ref('fct_order_lines') }}

),

weekly_demand as (

    select
        sku,
        week_start,
        sum(case when quantity > 0 then quantity else 0 end) as units,
        sum(case when quantity < 0 then -quantity else 0 end) as returned_units,
        count(*) as order_lines,
        sum(line_revenue) as revenue
    from order_lines
    where not is_cancelled
    group by sku, week_start

),

sku_first_week as (

    select
        sku,
        min(week_start) as first_week
    from weekly_demand
    group by sku

),

last_week as (

    select max(week_start) as last_week
    from order_lines

),

week_numbers as (

    {{ dbt.generate_series(max_weeks) }}

),

sku_weeks as (

    select
        s.sku,
        cast({{ dbt.dateadd('week', 'w.generated_number - 1', 's.first_week') }} as date)
            as week_start
    from sku_first_week as s
    cross join last_week as l
    inner join week_numbers as w
        on w.generated_number - 1 <= {{ dbt.datediff('s.first_week', 'l.last_week', 'week') }}

),

final as (

    select
        s.sku,
        s.week_start,
        coalesce(d.units, 0) as units,
        coalesce(d.returned_units, 0) as returned_units,
        coalesce(d.order_lines, 0) as order_lines,
        cast(coalesce(d.revenue, 0) as {{ type_money() }}) as revenue
    from sku_weeks as s
    left join weekly_demand as d
        on s.sku = d.sku
            and s.week_start = d.week_start

)

select * from final
