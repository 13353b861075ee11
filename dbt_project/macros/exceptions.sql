{#
    Building blocks for reconcile.exceptions. Each returns a select with the columns
    entity_type, source_system, source_entity, source_key, exception_type, erp_key,
    detail, finding_key (what makes the finding unique besides the other columns).
#}

{# A nullable text value for a detail message: 'value' in quotes, or the word blank. #}
{% macro quoted_or_blank(expression) -%}
    case
        when {{ expression }} is null then 'blank'
        else {{ dbt.concat(["''''", expression, "''''"]) }}
    end
{%- endmacro %}


{#
    Findings of one matching model (macros/match_cascade.sql + duplicate_survivors):
    unmatched, crosswalk_target_missing, ambiguous_match, duplicate_record.
    Labels make the detail readable: foreign_label 'WMS item', code_label 'erp_sku',
    erp_label 'ERP product'.
#}
{% macro crosswalk_exceptions(matched_model, entity_type, source_system, source_entity,
                              foreign_label, code_label, erp_label) %}

    select
        '{{ entity_type }}' as entity_type,
        '{{ source_system }}' as source_system,
        '{{ source_entity }}' as source_entity,
        foreign_key as source_key,
        'unmatched' as exception_type,
        cast(null as {{ dbt.type_string() }}) as erp_key,
        {{ dbt.concat([
            "'" ~ foreign_label ~ " '", 'foreign_key',
            "' (" ~ code_label ~ " '", quoted_or_blank('code_as_delivered'),
            "', name '", quoted_or_blank('name_as_delivered'),
            "') matches no " ~ erp_label ~ " by code or name'",
        ]) }} as detail,
        '' as finding_key
    from {{ ref(matched_model) }}
    where match_status = 'unmatched'

    union all

    select
        '{{ entity_type }}',
        '{{ source_system }}',
        '{{ source_entity }}',
        foreign_key,
        'crosswalk_target_missing',
        erp_key,
        {{ dbt.concat([
            "'" ~ foreign_label ~ " '", 'foreign_key',
            "' has " ~ code_label ~ " '", quoted_or_blank('code_as_delivered'),
            "', which names no " ~ erp_label ~ " in any spelling; '",
            "case when match_status = 'matched' then "
                ~ dbt.concat(["'matched by name to '", 'erp_key'])
                ~ " else 'no name match either' end",
        ]) }},
        ''
    from {{ ref(matched_model) }}
    where code_target_missing

    union all

    select
        '{{ entity_type }}',
        '{{ source_system }}',
        '{{ source_entity }}',
        foreign_key,
        'ambiguous_match',
        cast(null as {{ dbt.type_string() }}),
        {{ dbt.concat([
            "'" ~ foreign_label ~ " '", 'foreign_key',
            "' (" ~ code_label ~ " '", quoted_or_blank('code_as_delivered'),
            "', name '", quoted_or_blank('name_as_delivered'),
            "') fits '", to_text('candidate_count'),
            "' " ~ erp_label ~ "s by '", 'deciding_method', "': '", 'candidates',
            "'; left unmatched'",
        ]) }},
        ''
    from {{ ref(matched_model) }}
    where match_status = 'ambiguous'

    union all

    select
        '{{ entity_type }}',
        '{{ source_system }}',
        '{{ source_entity }}',
        foreign_key,
        'duplicate_record',
        erp_key,
        {{ dbt.concat([
            "'" ~ foreign_label ~ " '", 'foreign_key',
            "' maps to " ~ erp_label ~ " '", 'erp_key',
            "' like " ~ foreign_label ~ " '", 'survivor_key',
            "', which survives (seed survivorship_rules, attribute _record)'",
        ]) }},
        ''
    from {{ ref(matched_model) }}
    where erp_key is not null
        and not is_survivor

{% endmacro %}


{#
    duplicate_key: the same key more than once in one file (the earlier rows lose),
    from a staging model's newest-wins bookkeeping.
#}
{% macro duplicate_key_exceptions(staging_model, entity_type, source_system, source_entity,
                                  key_columns, erp_key_column=none) %}
    {%- set key_parts = [] -%}
    {%- for column in key_columns -%}
        {%- do key_parts.append('coalesce(' ~ to_text(column) ~ ", '')") -%}
        {%- if not loop.last %}{% do key_parts.append("'|'") %}{% endif -%}
    {%- endfor %}
    {%- set null_text = 'cast(null as ' ~ dbt.type_string() ~ ')' %}

    select
        '{{ entity_type }}' as entity_type,
        '{{ source_system }}' as source_system,
        '{{ source_entity }}' as source_entity,
        {{ dbt.concat(key_parts) if key_parts | length > 1 else key_parts[0] }} as source_key,
        'duplicate_key' as exception_type,
        {{ erp_key_column if erp_key_column else null_text }} as erp_key,
        {{ dbt.concat([
            "'key (" ~ key_columns | join(', ') ~ ") appears more than once in '", '_source_file',
            "': row '", to_text('_row_number'), "' loses to '", '_superseded_by', "''",
        ]) }} as detail,
        _raw_row_id as finding_key
    from {{ ref(staging_model) }}
    where _superseded_reason = 'duplicate_key_in_file'

{% endmacro %}
