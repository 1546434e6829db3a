with members as (
    select * from {{ ref('stg_members') }}
),

durations as (
    select * from {{ ref('int_loan_durations') }}
)

select
    members.member_id,
    members.full_name,
    members.tier_name,
    count(durations.loan_id) as total_loans,
    {%- for status in var('loan_statuses') %}
    count(case when durations.status = '{{ status }}' then 1 end) as {{ status }}_loans,
    {%- endfor %}
    coalesce(sum(durations.days_out), 0) as total_days_out,
    max(durations.days_out) as longest_loan_days
from members
left join durations on durations.member_id = members.member_id
group by
    members.member_id,
    members.full_name,
    members.tier_name
