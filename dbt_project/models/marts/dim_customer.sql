-- Customer dimension: one row per ERP customer_id, from the golden record.

with

golden as (

    select * from {{ ref('golden_customer') }}

),

final as (

    select
        customer_id,
        customer_name,
        parent_customer_id,
        channel,
        region,
        country,
        crm_account_id,
        account_manager,
        service_tier,
        contracted_lead_time_days,
        target_fill_rate,
        strategic_account,
        customer_name_source,
        parent_customer_id_source,
        channel_source,
        region_source,
        country_source,
        crm_account_id_source,
        account_manager_source,
        service_tier_source,
        contracted_lead_time_days_source,
        target_fill_rate_source,
        strategic_account_source
    from golden

)

select * from final
