{# The lineage columns the loader adds to every raw table (loader.METADATA_SCHEMA). #}
{% macro raw_lineage_columns() -%}
    _raw_row_id,
        _source_file,
        _row_number,
        _file_modified_at,
        _loaded_at
{%- endmacro %}

{#
    Newest-wins bookkeeping columns for a staging model, over normalised key columns:

    - _is_latest: true for exactly one row per key: the newest file by _file_modified_at,
      then the later _source_file name, then the later _row_number in the file.
      Rows with a NULL key column are never latest.
    - _superseded_reason: NULL for the latest row; 'superseded_by_newer_drop' when the
      winning row is in another (newer) file; 'duplicate_key_in_file' when it is a later
      row of the same file; 'missing_key' when a key column is NULL.
    - _superseded_by: the _raw_row_id of the winning row (NULL for latest / missing key).
#}
{% macro newest_wins(key_columns) -%}
    {%- set partition -%}
        partition by {{ key_columns | join(', ') }}
        order by _file_modified_at desc, _source_file desc, _row_number desc
    {%- endset -%}
    {%- set key_is_missing -%}
        ({{ key_columns | join(' is null or ') }} is null)
    {%- endset -%}

        case
            when {{ key_is_missing }} then false
            else row_number() over ({{ partition }}) = 1
        end as _is_latest,
        case
            when {{ key_is_missing }} then 'missing_key'
            when row_number() over ({{ partition }}) = 1 then null
            when first_value(_source_file) over ({{ partition }}) = _source_file
                then 'duplicate_key_in_file'
            else 'superseded_by_newer_drop'
        end as _superseded_reason,
        case
            when {{ key_is_missing }} then null
            when row_number() over ({{ partition }}) = 1 then null
            else first_value(_raw_row_id) over ({{ partition }})
        end as _superseded_by
{%- endmacro %}
