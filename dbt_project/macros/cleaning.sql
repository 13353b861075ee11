{# Text cleaning and key normalisation shared by staging and the matching cascade. #}

{# Trim and turn blank strings into NULL. #}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{# ERP keys (sku, customer_id, location_id, order_id, supplier_id, ...): upper(trim(x)). #}
{% macro erp_key(column) -%}
    upper({{ clean_text(column) }})
{%- endmacro %}

{#
    Upper case, accents folded, alphanumerics only; NULL when nothing is left.
    'sku-00042 ' -> 'SKU00042'; 'Nordwerk Großhandel Éts' and 'NORDWERK  GROSSHANDEL ETS'
    -> 'NORDWERKGROSSHANDELETS' (systems disagree on accents and on how to upper-case ß).
#}
{% macro normalize_code(expression) -%}
    {%- set upper_folded = 'upper(' ~ fold_accents(expression) ~ ')' -%}
    nullif({{ regexp_replace_all(upper_folded, "'[^A-Z0-9]'", "''") }}, '')
{%- endmacro %}

{#
    Numeric core of a prefix+digits code: the digits with leading zeros removed.
    'SKU-00042' -> '42', '00042' -> '42', 'P42' -> '42', 'SKU-000' -> '0';
    NULL when the normalised code is not letters followed by digits ('AB-12-X', 'X1Y2').
#}
{% macro numeric_core(expression) -%}
    {%- set normalized = normalize_code(expression) -%}
    {%- set digits = regexp_replace_all(normalized, "'^[A-Z]*'", "''") -%}
    case
        when {{ regexp_full_match(normalized, '[A-Z]*[0-9]+') }}
            then coalesce(
                nullif({{ regexp_replace_all(digits, "'^0+'", "''") }}, ''),
                '0'
            )
    end
{%- endmacro %}

{# Number of non-NULL values among `columns` (record completeness). #}
{% macro count_non_null(columns) -%}
    (
    {%- for column in columns %}
        case when {{ column }} is not null then 1 else 0 end{% if not loop.last %} +{% endif %}
    {%- endfor %}
    )
{%- endmacro %}

{# String literals for an `in (...)` list: ['ltl', 'ftl'] -> 'ltl', 'ftl' (quotes doubled). #}
{% macro string_literals(values) -%}
    {%- for value in values -%}
        '{{ value | replace("'", "''") }}'{% if not loop.last %}, {% endif %}
    {%- endfor -%}
{%- endmacro %}
