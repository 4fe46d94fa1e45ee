-- For each rule: how many students have it raised at each severity, and how many are unknown.
with students as (
    select * from flagged_students
),

-- The rule columns are the upper-case ones, one per rule of the catalogue.
rule_states as (
    unpivot (select columns('^[A-Z][A-Z0-9_]+$') from students)
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
