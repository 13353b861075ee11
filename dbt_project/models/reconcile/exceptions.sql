-- Every reconciliation finding, one row each (see docs/ARCHITECTURE.md, reconcile.exceptions).

{%- set known_modes = var('known_freight_modes') %}

with

-- matching: unmatched, crosswalk_target_missing, ambiguous_match, duplicate_record ------

product_match_findings as (
    {{ crosswalk_exceptions('int_product__matched', 'product', 'wms', 'items',
                            'WMS item', 'erp_sku', 'ERP product') }}
),

customer_match_findings as (
    {{ crosswalk_exceptions('int_customer__matched', 'customer', 'crm', 'accounts',
                            'CRM account', 'erp_customer_id', 'ERP customer') }}
),

location_match_findings as (
    {{ crosswalk_exceptions('int_location__matched', 'location', 'wms', 'warehouses',
                            'WMS warehouse', 'erp_location_id', 'ERP location') }}
),

tms_codes as (

    select
        *,
        'location' as entity_type,
        'ERP location or WMS warehouse' as erp_label
    from {{ ref('int_tms_origin__matched') }}
    union all
    select
        *,
        'customer' as entity_type,
        'ERP customer' as erp_label
    from {{ ref('int_tms_destination__matched') }}

),

tms_match_findings as (

    select
        entity_type,
        'tms' as source_system,
        'freight' as source_entity,
        foreign_key as source_key,
        case match_status when 'ambiguous' then 'ambiguous_match' else 'unmatched' end
            as exception_type,
        cast(null as {{ dbt.type_string() }}) as erp_key,
        case match_status
            when 'ambiguous' then {{ dbt.concat([
                "'TMS '", 'role', "' code '", 'foreign_key', "' (used by '", to_text('shipments'),
                "' shipment(s)) fits '", to_text('candidate_count'),
                "' records by '", 'deciding_method', "': '", 'candidates', "'; left unmatched'",
            ]) }}
            else {{ dbt.concat([
                "'TMS '", 'role', "' code '", 'foreign_key', "' (used by '", to_text('shipments'),
                "' shipment(s)) matches no '", 'erp_label', "' in any spelling'",
            ]) }}
        end as detail,
        role as finding_key
    from tms_codes
    where match_status in ('ambiguous', 'unmatched')

),

-- hierarchy_conflict -----------------------------------------------------------------

matched_items as (

    select
        m.foreign_key as item_code,
        m.erp_key as sku,
        i.item_group,
        p.category
    from {{ ref('int_product__matched') }} as m
    inner join {{ ref('stg_wms__items') }} as i
        on m.foreign_key = i.item_code
            and i._is_latest
    inner join {{ ref('stg_erp__products') }} as p
        on m.erp_key = p.sku
            and p._is_latest
    where i.item_group is not null
        and p.category is not null

),

item_group_categories as (

    select
        item_group,
        category,
        count(*) as items,
        sum(count(*)) over (partition by item_group) as group_items,
        row_number()
            over (partition by item_group order by count(*) desc, category)
            as category_rank
    from matched_items
    group by item_group, category

),

item_group_modal_category as (

    -- the most frequent ERP category among a WMS item group's matched items (ties: first by name)
    select
        item_group,
        category as modal_category,
        items as modal_items,
        group_items
    from item_group_categories
    where category_rank = 1

),

product_hierarchy_findings as (

    select
        'product' as entity_type,
        'wms' as source_system,
        'items' as source_entity,
        i.item_code as source_key,
        'hierarchy_conflict' as exception_type,
        i.sku as erp_key,
        {{ dbt.concat([
            "'WMS item_group '''", 'g.item_group',
            "''' is mostly ERP category '''", 'g.modal_category',
            "''' ('", to_text('g.modal_items'), "' of '", to_text('g.group_items'),
            "' matched items), but item '", 'i.item_code', "' -> '", 'i.sku',
            "' is in ERP category '''", 'i.category', "''''",
        ]) }} as detail,
        '' as finding_key
    from matched_items as i
    inner join item_group_modal_category as g
        on i.item_group = g.item_group
    where i.category <> g.modal_category

),

crm_parent_links as (

    select
        m.foreign_key as account_id,
        m.erp_key as customer_id,
        a.parent_account_id,
        case when parent_match.erp_key <> m.erp_key then parent_match.erp_key end
            as crm_parent_customer_id,
        case when c.parent_customer_id <> c.customer_id then c.parent_customer_id end
            as erp_parent_customer_id
    from {{ ref('int_customer__matched') }} as m
    inner join {{ ref('stg_crm__accounts') }} as a
        on m.foreign_key = a.account_id
            and a._is_latest
    inner join {{ ref('stg_erp__customers') }} as c
        on m.erp_key = c.customer_id
            and c._is_latest
    left join {{ ref('int_customer__matched') }} as parent_match
        on a.parent_account_id = parent_match.foreign_key
    where m.is_survivor

),

customer_hierarchy_findings as (

    select
        'customer' as entity_type,
        'crm' as source_system,
        'accounts' as source_entity,
        account_id as source_key,
        'hierarchy_conflict' as exception_type,
        customer_id as erp_key,
        {{ dbt.concat([
            "'CRM account '", 'account_id', "' (ERP '", 'customer_id', "') has parent account '",
            quoted_or_blank('parent_account_id'), "' -> ERP '",
            "coalesce(crm_parent_customer_id, 'none')",
            "', but ERP parent_customer_id is '", "coalesce(erp_parent_customer_id, 'none')",
        ]) }} as detail,
        '' as finding_key
    from crm_parent_links
    where coalesce(crm_parent_customer_id, '') <> coalesce(erp_parent_customer_id, '')

),

-- duplicate_key (master data only; transactions go to quarantine or newest-wins) --------

duplicate_key_findings as (

    {{ duplicate_key_exceptions(
        'stg_erp__products', 'product', 'erp', 'products', ['sku'], 'sku'
    ) }}
    union all
    {{ duplicate_key_exceptions(
        'stg_erp__customers', 'customer', 'erp', 'customers', ['customer_id'], 'customer_id'
    ) }}
    union all
    {{ duplicate_key_exceptions(
        'stg_erp__locations', 'location', 'erp', 'locations', ['location_id'], 'location_id'
    ) }}
    union all
    {{ duplicate_key_exceptions(
        'stg_erp__supply', 'supply', 'erp', 'supply', ['supplier_id', 'sku'], 'sku'
    ) }}
    union all
    {{ duplicate_key_exceptions(
        'stg_wms__items', 'product', 'wms', 'items', ['item_code']
    ) }}
    union all
    {{ duplicate_key_exceptions(
        'stg_wms__warehouses', 'location', 'wms', 'warehouses', ['warehouse_code']
    ) }}
    union all
    {{ duplicate_key_exceptions(
        'stg_crm__accounts', 'customer', 'crm', 'accounts', ['account_id']
    ) }}

),

-- unknown_mode ---------------------------------------------------------------------------

unknown_mode_findings as (

    select
        'freight' as entity_type,
        'tms' as source_system,
        'freight' as source_entity,
        shipment_id as source_key,
        'unknown_mode' as exception_type,
        cast(null as {{ dbt.type_string() }}) as erp_key,
        {{ dbt.concat([
            "'mode '", quoted_or_blank('mode'),
            "' is not one of " ~ known_modes | join(', ') ~ "'",
        ]) }} as detail,
        '' as finding_key
    from {{ ref('stg_tms__freight') }}
    where _is_latest
        and (
            mode is null
            or lower(mode) not in ({{ string_literals(known_modes) }})
        )

),

unioned as (

    select * from product_match_findings
    union all
    select * from customer_match_findings
    union all
    select * from location_match_findings
    union all
    select * from tms_match_findings
    union all
    select * from product_hierarchy_findings
    union all
    select * from customer_hierarchy_findings
    union all
    select * from duplicate_key_findings
    union all
    select * from unknown_mode_findings

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            'entity_type', "'|'", 'source_system', "'|'", 'source_entity', "'|'",
            'source_key', "'|'", 'exception_type', "'|'", "coalesce(erp_key, '')", "'|'",
            'finding_key',
        ])) }} as exception_id,
        entity_type,
        source_system,
        source_entity,
        source_key,
        exception_type,
        erp_key,
        detail
    from unioned

)

select * from final
