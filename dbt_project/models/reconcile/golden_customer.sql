-- One golden record per ERP customer_id (latest version): ERP attributes plus those of
-- the surviving matched CRM account, each with `<attribute>_source`, chosen by the seed
-- survivorship_rules. The CRM parent is the ERP customer its parent account matched.

{%- set attributes = [
    {'name': 'customer_name',
        'sources': [('erp', 'erp_customer_name'), ('crm', 'crm_account_name')]},
    {'name': 'parent_customer_id',
        'sources': [('erp', 'erp_parent_customer_id'), ('crm', 'crm_parent_customer_id')]},
    {'name': 'channel', 'sources': [('erp', 'erp_channel')]},
    {'name': 'region', 'sources': [('erp', 'erp_region')]},
    {'name': 'country', 'sources': [('erp', 'erp_country')]},
    {'name': 'crm_account_id', 'sources': [('crm', 'crm_account_id')]},
    {'name': 'account_manager', 'sources': [('crm', 'crm_account_manager')]},
    {'name': 'service_tier', 'sources': [('crm', 'crm_service_tier')]},
    {'name': 'contracted_lead_time_days', 'sources': [('crm', 'crm_contracted_lead_time_days')]},
    {'name': 'target_fill_rate', 'sources': [('crm', 'crm_target_fill_rate')]},
    {'name': 'strategic_account', 'sources': [('crm', 'crm_strategic_account')]},
] %}

with

erp_customers as (

    select * from {{ ref('stg_erp__customers') }}
    where _is_latest

),

crm_accounts as (

    select * from {{ ref('stg_crm__accounts') }}
    where _is_latest

),

customer_matches as (

    select * from {{ ref('int_customer__matched') }}

),

crm_survivors as (

    select
        m.erp_key as customer_id,
        a.account_id,
        a.account_name,
        a.account_manager,
        a.service_tier,
        a.contracted_lead_time_days,
        a.target_fill_rate,
        a.strategic_account,
        -- a parent account that resolves to the customer itself means "no parent"
        case
            when parent_match.erp_key <> m.erp_key then parent_match.erp_key
        end as parent_customer_id
    from customer_matches as m
    inner join crm_accounts as a
        on m.foreign_key = a.account_id
    left join customer_matches as parent_match
        on a.parent_account_id = parent_match.foreign_key
    where m.is_survivor

),

joined as (

    select
        c.customer_id,
        c.customer_name as erp_customer_name,
        c.parent_customer_id as erp_parent_customer_id,
        c.channel as erp_channel,
        c.region as erp_region,
        c.country as erp_country,
        s.account_id as crm_account_id,
        s.account_name as crm_account_name,
        s.parent_customer_id as crm_parent_customer_id,
        s.account_manager as crm_account_manager,
        s.service_tier as crm_service_tier,
        s.contracted_lead_time_days as crm_contracted_lead_time_days,
        s.target_fill_rate as crm_target_fill_rate,
        s.strategic_account as crm_strategic_account
    from erp_customers as c
    left join crm_survivors as s
        on c.customer_id = s.customer_id

),

{{ survivorship('customer', 'customer_id', attributes) }}

final as (

    select * from survived

)

select * from final
