-- Each student's next step: the open plan item due soonest from today, else the most recent overdue one; one row per student, in file order, so an export can pair them by position.
with students as (
    select source_row from plan_students
),

-- An upcoming step comes before one whose date has passed: a missed date stays on the plan
-- (and in the overdue count), but what can still be done on time is what to do next. A season
-- (sub-Is, interviews) counts by its last day: one under way is due by its end, not by a
-- start already past. Steps due the same day are told apart by name.
soonest as (
    select
        source_row,
        list_min(list_transform(list_filter(plan, lambda step: step.status = 'due'),
            lambda step: {'by_date': coalesce(step.end_date, step.due_date), 'item': step.item}))
            as next_due,
        list_max(list_transform(list_filter(plan, lambda step: step.status = 'overdue'),
            lambda step: {'by_date': coalesce(step.end_date, step.due_date), 'item': step.item}))
            as last_overdue,
        len(list_filter(plan, lambda step: step.status = 'overdue')) as count_overdue
    from student_plan_lists
),

final as (
    select
        students.source_row,
        coalesce(soonest.next_due.item, soonest.last_overdue.item) as next_item,
        coalesce(soonest.next_due.by_date, soonest.last_overdue.by_date) as next_step_due,
        coalesce(soonest.count_overdue, 0) as count_overdue
    from students
    left join soonest using (source_row)
    order by students.source_row
)

select * from final
