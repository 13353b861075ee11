-- Every week_start is already the Monday of its week.

select
    sku,
    week_start
from {{ ref('fct_weekly_demand') }}
where week_start <> {{ week_start('week_start') }}
