-- For each rule: how many students have it raised at each severity, and how many are unknown.
with students as (
    select * from flagged_students
),

rule_states as (
    select rule.rule_id as rule_id, rule.state as state
    from (select unnest(rules) as rule from students)
),

final as (
    select rule_id, state, count(*) as count_students
    from rule_states
    where state <> 'clear'
    group by rule_id, state
    order by rule_id, state
)

select * from final
