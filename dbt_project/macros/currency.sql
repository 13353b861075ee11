{#
    ISO 4217 currency of a money row: the column upper-cased, or the var `default_currency`
    when the column is blank (staging has already turned blank strings into NULL).
    dbt_project.yml defaults the var to EUR; the Dagster dbt asset passes the config's
    `default_currency` with --vars '{"default_currency": "USD"}'. Anything but three
    letters stops the build before a model runs.
#}
{% macro currency_or_default(column) -%}
    {%- set default_currency = var('default_currency') | string | trim | upper -%}
    {%- set is_iso_code = default_currency | length == 3
        and default_currency.isascii() and default_currency.isalpha() -%}
    {%- if not is_iso_code -%}
        {{ exceptions.raise_compiler_error(
            "var default_currency must be a three-letter ISO 4217 code, got '"
            ~ var('default_currency') ~ "'"
        ) }}
    {%- endif -%}
    upper(coalesce({{ column }}, '{{ default_currency }}'))
{%- endmacro %}
