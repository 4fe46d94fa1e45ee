-- Each student's next step: the plan item due soonest (an overdue one first), with its date.
with plan as (
    select * from student_plans
    where status in ('due', 'overdue')
),

final as (
    select
        source_row,
        arg_min(item, due_date) as next_item,
        min(due_date) as next_step_due,
        count(*) filter (where status = 'overdue') as count_overdue
    from plan
    group by source_row
)

select * from final
