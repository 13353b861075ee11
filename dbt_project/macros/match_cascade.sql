{#
    Matching cascade: foreign codes/names -> ERP keys. Emits CTEs (each followed by a
    comma) ending in `match_result`; call it inside a `with` after defining:

      foreign_records: foreign_key (unique), code (foreign spelling of the ERP key,
                       trimmed, may be NULL), name (may be NULL), completeness (int)
      erp_candidates:  candidate_code, candidate_name (may be NULL), erp_key
                       (several candidate codes may point to one erp_key, e.g. WMS
                       warehouse codes that resolve to an ERP location)

    Stages, in order:
      1 exact         upper(trim(code)) equal
      2 normalized    upper, alphanumerics only, equal
      3 numeric_core  prefix+digits codes on both sides, digits without leading zeros equal
      4 name          normalised name equal
    The first code stage (1-3) with any candidate decides; only when no code stage has
    one does the name stage run. A deciding stage with exactly one distinct erp_key is a
    match; with several it is ambiguous (no guess). A non-NULL code that no code stage
    can place is `code_target_missing` (the foreign system names a non-existent ERP key).

    match_result columns: foreign_key, code_as_delivered, name_as_delivered, completeness,
    erp_key, match_method, match_status ('matched' | 'ambiguous' | 'unmatched'),
    deciding_method, candidate_count, candidates, code_target_missing.
#}
{% macro match_cascade(foreign_records, erp_candidates) %}

match_foreign_keys as (

    select
        foreign_key,
        code,
        name,
        completeness,
        upper(trim(code)) as code_exact,
        {{ normalize_code('code') }} as code_normalized,
        {{ numeric_core('code') }} as code_core,
        {{ normalize_code('name') }} as name_normalized
    from {{ foreign_records }}

),

match_candidate_keys as (

    select
        erp_key,
        upper(trim(candidate_code)) as code_exact,
        {{ normalize_code('candidate_code') }} as code_normalized,
        {{ numeric_core('candidate_code') }} as code_core,
        {{ normalize_code('candidate_name') }} as name_normalized
    from {{ erp_candidates }}
    where erp_key is not null

),

match_stage_hits as (

    {%- set stages = [
        (1, 'exact', 'code_exact'),
        (2, 'normalized', 'code_normalized'),
        (3, 'numeric_core', 'code_core'),
        (4, 'name', 'name_normalized'),
    ] %}
    {%- for stage, method, column in stages %}
    select distinct
        f.foreign_key,
        {{ stage }} as stage,
        '{{ method }}' as method,
        c.erp_key
    from match_foreign_keys as f
    inner join match_candidate_keys as c
        on f.{{ column }} = c.{{ column }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

match_stage_summary as (

    select
        foreign_key,
        stage,
        method,
        count(*) as candidate_count,
        min(erp_key) as erp_key,
        {{ dbt.listagg('erp_key', "', '", 'order by erp_key') }} as candidates
    from match_stage_hits
    group by foreign_key, stage, method

),

match_deciding_stage as (

    -- the first code stage with a candidate; the name stage only when no code stage has one
    select
        foreign_key,
        coalesce(min(case when stage < 4 then stage end), min(stage)) as stage
    from match_stage_summary
    group by foreign_key

),

match_result as (

    select
        f.foreign_key,
        f.code as code_as_delivered,
        f.name as name_as_delivered,
        f.completeness,
        case when s.candidate_count = 1 then s.erp_key end as erp_key,
        case when s.candidate_count = 1 then s.method end as match_method,
        case
            when s.candidate_count = 1 then 'matched'
            when s.candidate_count > 1 then 'ambiguous'
            else 'unmatched'
        end as match_status,
        s.method as deciding_method,
        coalesce(s.candidate_count, 0) as candidate_count,
        s.candidates,
        case
            when f.code is not null and (s.stage is null or s.stage = 4) then true
            else false
        end as code_target_missing
    from match_foreign_keys as f
    left join match_deciding_stage as d
        on f.foreign_key = d.foreign_key
    left join match_stage_summary as s
        on d.foreign_key = s.foreign_key
        and d.stage = s.stage

),

{% endmacro %}


{#
    Duplicate survivorship for matched foreign records: when several foreign records map
    to one ERP key, one survives. The rule comes from the seed row
    (entity_type, attribute = '_record'): 'most_complete_then_lowest_key' (more non-NULL
    attributes first, then the lowest foreign key) or 'lowest_key'. Emits `survivors` with
    match_result's columns plus is_survivor and survivor_key (NULL when unmatched).
#}
{% macro duplicate_survivors(entity_type, matched='match_result') %}

survivor_rule as (

    select rule
    from {{ ref('survivorship_rules') }}
    where entity_type = '{{ entity_type }}'
        and attribute = '_record'

),

survivor_ranked as (

    select
        m.*,
        case
            when m.erp_key is not null then row_number() over (
                partition by m.erp_key
                order by
                    case
                        when r.rule = 'most_complete_then_lowest_key' then m.completeness
                        else 0
                    end desc,
                    m.foreign_key
            )
        end as survivor_rank
    from {{ matched }} as m
    left join survivor_rule as r
        on 1 = 1

),

survivors as (

    select
        foreign_key,
        code_as_delivered,
        name_as_delivered,
        completeness,
        erp_key,
        match_method,
        match_status,
        deciding_method,
        candidate_count,
        candidates,
        code_target_missing,
        coalesce(survivor_rank = 1, false) as is_survivor,
        case
            when erp_key is not null then first_value(foreign_key) over (
                partition by erp_key order by survivor_rank
            )
        end as survivor_key
    from survivor_ranked

),

{% endmacro %}
