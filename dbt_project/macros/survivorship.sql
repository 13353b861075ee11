{#
    Golden-record survivorship driven by the seed `survivorship_rules`.

    `attributes` is a list of {'name': ..., 'sources': [(source_system, column), ...]}
    whose columns live in the CTE `joined` (one row per ERP key, `key_column`). For each
    attribute the winning source is the first one in the seed's `source_priority`
    ('erp>wms') that has a non-NULL value; sources the seed does not name (or attributes
    without a seed row) come after, in the order listed in the model.

    Emits CTEs (each followed by a comma) ending in `survived`: key_column, every
    attribute, and `<attribute>_source` (NULL when no source has a value).
#}
{% macro survivorship(entity_type, key_column, attributes, joined='joined') %}

survivorship_candidates as (

    {%- for attribute in attributes %}
    {%- set outer_last = loop.last %}
    {%- for source_system, column in attribute.sources %}
    select
        {{ key_column }} as entity_key,
        '{{ attribute.name }}' as attribute,
        '{{ source_system }}' as source_system,
        {{ loop.index }} as declared_order
    from {{ joined }}
    where {{ column }} is not null
    {% if not (outer_last and loop.last) %}union all{% endif %}
    {%- endfor %}
    {%- endfor %}

),

survivorship_priorities as (

    select
        attribute,
        {{ dbt.concat(["'>'", 'source_priority', "'>'"]) }} as source_priority
    from {{ ref('survivorship_rules') }}
    where entity_type = '{{ entity_type }}'
        and rule = 'source_priority'

),

{%- set priority_position = dbt.position(
    dbt.concat(["'>'", 'c.source_system', "'>'"]), 'p.source_priority'
) %}

survivorship_ranked as (

    select
        c.entity_key,
        c.attribute,
        c.source_system,
        row_number() over (
            partition by c.entity_key, c.attribute
            order by
                case
                    when {{ priority_position }} > 0 then {{ priority_position }}
                    else 1000 + c.declared_order
                end
        ) as source_rank
    from survivorship_candidates as c
    left join survivorship_priorities as p
        on c.attribute = p.attribute

),

survivorship_winners as (

    select
        entity_key,
        {%- for attribute in attributes %}
        max(case when attribute = '{{ attribute.name }}' then source_system end)
            as {{ attribute.name }}_source{% if not loop.last %},{% endif %}
        {%- endfor %}
    from survivorship_ranked
    where source_rank = 1
    group by entity_key

),

survived as (

    select
        j.{{ key_column }},
        {%- for attribute in attributes %}
        case w.{{ attribute.name }}_source
            {%- for source_system, column in attribute.sources %}
            when '{{ source_system }}' then {{ column }}
            {%- endfor %}
        end as {{ attribute.name }},
        {%- endfor %}
        {%- for attribute in attributes %}
        w.{{ attribute.name }}_source{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ joined }} as j
    left join survivorship_winners as w
        on j.{{ key_column }} = w.entity_key

),

{% endmacro %}
