-- CRM accounts; erp_customer_id is the CRM's spelling of the ERP customer and may be blank.
-- Text trimmed, blanks as NULL; ERP keys upper(trim()): none (keys of this system are only trimmed).
-- Newest wins per key (account_id): see macros/newest_wins.sql.

with

source as (

    select * from {{ source('raw', 'crm__accounts') }}

),

renamed as (

    select
        -- key
        {{ clean_text('account_id') }} as account_id,

        -- attributes
        {{ clean_text('erp_customer_id') }} as erp_customer_id,
        {{ clean_text('account_name') }} as account_name,
        {{ clean_text('parent_account_id') }} as parent_account_id,
        {{ clean_text('account_manager') }} as account_manager,
        {{ clean_text('service_tier') }} as service_tier,
        contracted_lead_time_days,
        target_fill_rate,
        strategic_account,

        {{ raw_lineage_columns() }}

    from source

),

final as (

    select
        *,
        {{ newest_wins(['account_id']) }}
    from renamed

)

select * from final
