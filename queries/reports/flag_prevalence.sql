-- For each rule: how many students have it raised at each severity, and how many are unknown.
with students as (
    select * from flagged_students
),

rule_states as (
    unpivot (
        select
            STEP1_FAIL, STEP2_LOW, STEP2_BELOW_TARGET, STEP2_PENDING, PRACTICE_LOW,
            US_PLASTICS_LORS_MISSING, SURGERY_LOR_MISSING, NO_PLASTICS_RESEARCH,
            NO_US_PLASTICS_SUBI, NO_PARALLEL_PLAN
        from students
    )
    on columns(*)
    into name rule_id value state
),

final as (
    select rule_id, state, count(*) as count_students
    from rule_states
    where state <> 'clear'
    group by rule_id, state
    order by rule_id, state
)

select * from final
