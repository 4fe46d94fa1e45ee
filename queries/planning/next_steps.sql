-- Each student's next step: their soonest task or reminder still ahead; when none is ahead, the missed task they can still make up that programs weigh most ($make_up_order); only when neither is open, the next calendar event. One row per student, in file order, so an export can pair them by position.
with students as (
    select source_row from plan_students
),

-- What can still be done on time comes first: a missed date stays on the plan (and in the
-- overdue count), but the step still ahead is what to do next. A missed task that can be made
-- up comes before a calendar event: the interview season is everyone's, a missing letter or an
-- unsat retake is this student's. A season (sub-Is, interviews) counts by its last day: one
-- under way is due by its end, not by a start already past. Steps due the same day are told
-- apart by name, so the pick never rests on the order rows were read in.
soonest as (
    select
        source_row,
        coalesce(
            list_min(list_transform(
                list_filter(plan, lambda step: step.status = 'due' and step.kind <> 'event'),
                lambda step: step_order(step, 0))),
            list_min(list_transform(
                list_filter(plan, lambda step: step.status = 'overdue'
                    and list_contains($make_up_order::varchar[], step.item)),
                lambda step: step_order(
                    step, list_position($make_up_order::varchar[], step.item)))),
            list_min(list_transform(
                list_filter(plan, lambda step: step.kind = 'event'),
                lambda step: step_order(step, 0)))
        ) as next_step,
        len(list_filter(plan, lambda step: step.status = 'overdue')) as count_overdue
    from student_plan_lists
),

final as (
    select
        students.source_row,
        soonest.next_step.item as next_item,
        soonest.next_step.by_date as next_step_due,
        coalesce(soonest.count_overdue, 0) as count_overdue
    from students
    left join soonest using (source_row)
    order by students.source_row
)

select * from final
