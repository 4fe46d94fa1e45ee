-- Each student's next step: the plan item due soonest (an overdue one first), with its date; one row per student, in file order, so an export can pair them by position.
with students as (
    select source_row from plan_students
),

open_items as (
    select * from student_plans
    where status in ('due', 'overdue')
),

soonest as (
    select
        source_row,
        arg_min(item, due_date) as next_item,
        min(due_date) as next_step_due,
        count(*) filter (where status = 'overdue') as count_overdue
    from open_items
    group by source_row
),

final as (
    select students.source_row, soonest.next_item, soonest.next_step_due,
        coalesce(soonest.count_overdue, 0) as count_overdue
    from students
    left join soonest using (source_row)
    order by students.source_row
)

select * from final
