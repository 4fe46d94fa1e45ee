-- Each student's next step: the open plan item due soonest from today, else the most recent overdue one; one row per student, in file order, so an export can pair them by position.
with students as (
    select source_row from plan_students
),

open_items as (
    select * from student_plans
    where status in ('due', 'overdue')
),

-- An upcoming step comes before one whose date has passed: a missed date stays on the plan
-- (and in the overdue count), but what can still be done on time is what to do next.
soonest as (
    select
        source_row,
        -- A season (sub-Is, interviews) counts by its last day: one under way is due by its
        -- end, not by a start already past. Steps due the same day are told apart by name,
        -- so the pick never depends on which thread saw which row.
        coalesce(arg_min(item, (by_date, item)) filter (where status = 'due'),
                 arg_max(item, (by_date, item)) filter (where status = 'overdue'))
            as next_item,
        coalesce(min(by_date) filter (where status = 'due'),
                 max(by_date) filter (where status = 'overdue')) as next_step_due,
        count(*) filter (where status = 'overdue') as count_overdue
    from (select *, coalesce(end_date, due_date) as by_date from open_items)
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
