{#
    Fails for every combination of `combination_of_columns` that occurs more than once
    (the `where` config, e.g. "_is_latest", filters the model first). Stands in for
    dbt_utils.unique_combination_of_columns: the project uses no hub packages.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

validation as (

    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1

)

select * from validation

{% endtest %}
