-- CRM accounts (latest version per account_id) matched to ERP customers through the
-- cascade in macros/match_cascade.sql, with duplicate survivorship per ERP customer
-- (a CRM account entered twice).

with

crm_accounts as (

    select * from {{ ref('stg_crm__accounts') }}
    where _is_latest

),

erp_customers as (

    select * from {{ ref('stg_erp__customers') }}
    where _is_latest

),

foreign_records as (

    select
        account_id as foreign_key,
        erp_customer_id as code,
        account_name as name,
        {{ count_non_null([
            'erp_customer_id', 'account_name', 'parent_account_id', 'account_manager',
            'service_tier', 'contracted_lead_time_days', 'target_fill_rate', 'strategic_account',
        ]) }} as completeness
    from crm_accounts

),

erp_candidates as (

    select
        customer_id as candidate_code,
        customer_name as candidate_name,
        customer_id as erp_key
    from erp_customers

),

{{ match_cascade('foreign_records', 'erp_candidates') }}

{{ duplicate_survivors('customer') }}

final as (

    select * from survivors

)

select * from final
