-- How many students each application strategy applies to, split by risk level.
with students as (
    select * from flagged_students
),

final as (
    select strategy, risk_level, count(*) as count_students
    from students
    group by strategy, risk_level
    order by strategy, risk_level
)

select * from final
