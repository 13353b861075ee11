{#
    Dialect-specific SQL lives here, behind adapter.dispatch; models call only these
    macros and dbt's own cross-database macros (dbt.concat, dbt.hash, dbt.dateadd, ...).
#}

{# ---- regexp_replace_all: replace every match ---------------------------------------- #}
{% macro regexp_replace_all(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all')(expression, pattern, replacement)) }}
{%- endmacro %}

{# Snowflake, BigQuery, Redshift, Databricks: regexp_replace replaces all matches by default. #}
{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{# DuckDB replaces only the first match unless given the 'g' flag. #}
{% macro duckdb__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro postgres__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}


{# ---- regexp_full_match: true when the whole string matches the pattern ---------------- #}
{% macro regexp_full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match')(expression, pattern)) }}
{%- endmacro %}

{# Snowflake's regexp_like is anchored; others get explicit anchors. #}
{% macro default__regexp_full_match(expression, pattern) -%}
    regexp_like({{ expression }}, '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regexp_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regexp_full_match(expression, pattern) -%}
    ({{ expression }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro bigquery__regexp_full_match(expression, pattern) -%}
    regexp_contains({{ expression }}, r'^(?:{{ pattern }})$')
{%- endmacro %}


{# ---- safe_cast: NULL instead of an error on a bad value ------------------------------ #}
{# Overrides dbt's duckdb fallback (plain cast); dispatch finds the root project first. #}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}


{# ---- week_start: the Monday of the ISO week of a date, as a date ---------------------- #}
{% macro week_start(date_expression) -%}
    {{ return(adapter.dispatch('week_start')(date_expression)) }}
{%- endmacro %}

{# date_trunc('week') is ISO (Monday) on DuckDB, Postgres, Redshift, Databricks, and on
   Snowflake with the default WEEK_START = 0. #}
{% macro default__week_start(date_expression) -%}
    cast({{ dbt.date_trunc('week', date_expression) }} as date)
{%- endmacro %}

{% macro bigquery__week_start(date_expression) -%}
    date_trunc({{ date_expression }}, isoweek)
{%- endmacro %}


{# ---- type_money: the fixed-point type for money amounts ------------------------------ #}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    {{ return(api.Column.numeric_type('decimal', 18, 2)) }}
{%- endmacro %}


{# ---- as_of_date: the reference date for "in the future" rules ------------------------- #}
{% macro as_of_date() -%}
    {%- set as_of = var('as_of_date', none) -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}


{# ---- to_text: cast any value to the adapter's string type ---------------------------- #}
{% macro to_text(expression) -%}
    cast({{ expression }} as {{ dbt.type_string() }})
{%- endmacro %}


{# Accents removed and ß spelled ss, so names match across systems that differ in both. #}
{% macro fold_accents(expression) -%}
    {{ return(adapter.dispatch('fold_accents')(expression)) }}
{%- endmacro %}

{% macro default__fold_accents(expression) -%}
    replace(replace({{ expression }}, 'ß', 'ss'), 'ẞ', 'SS')
{%- endmacro %}

{% macro duckdb__fold_accents(expression) -%}
    strip_accents(replace(replace({{ expression }}, 'ß', 'ss'), 'ẞ', 'SS'))
{%- endmacro %}
