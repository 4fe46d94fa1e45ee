-- Each student's next step: for a student whose exams are due this Match, the missing exam; else a missing Step 1 pass or a failed Step 2 CK whose date has passed; else their soonest task or reminder still ahead; else the missed task they can still make up that programs weigh most; else the next calendar event. Never a step past the last date it helps this Match. One row per student, in file order, so an export can pair them by position.
with students as (
    select source_row, cycle_status from plan_students
),

plans as (
    select source_row, plan from student_plan_lists
),

-- A student whose exams are due this Match (cycle_status exams_due): the step toward the
-- missing pass ($exam_items) comes first, by weight (Step 1 before Step 2 CK).
-- Programs screen for the passes in $screened (Step 1, a Step 2 CK retake): one missing past
-- its date comes before anything else.
-- Then what can still be done on time: a missed date stays on the plan (and in the overdue
-- count), but the step still ahead is what to do next; steps due the same day go by weight
-- ($weights: the sub-I and the letters before the reminder to submit). Then a missed task
-- while it can still be made up (the letters until interviews end, say), before a calendar
-- event: the interview season is everyone's, a missing letter is this student's. A season
-- (sub-Is, interviews) under way is due by its last day; a calendar event still to come, on
-- its first (SOAP from the Monday of Match week).
picks as (
    select
        plans.source_row,
        case when students.cycle_status = 'exams_due' then list_min(list_transform(
            list_filter(plan, lambda step: is_usable(step, $as_of::date)
                and list_contains($exam_items::varchar[], step.item)),
            lambda step: step_by_weight(step, $weights::varchar[]))) end as exam_step,
        list_min(list_transform(
            list_filter(plan, lambda step: step.status = 'overdue'
                and is_usable(step, $as_of::date)
                and list_contains($screened::varchar[], step.item)),
            lambda step: step_by_weight(step, $weights::varchar[]))) as screened_missed,
        list_min(list_transform(
            list_filter(plan, lambda step: step.status = 'due' and step.kind <> 'event'),
            lambda step: step_by_date(step, $weights::varchar[], $as_of::date))) as soonest_due,
        list_min(list_transform(
            list_filter(plan, lambda step: step.status = 'overdue'
                and is_usable(step, $as_of::date)),
            lambda step: step_by_weight(step, $weights::varchar[]))) as missed,
        list_min(list_transform(
            list_filter(plan, lambda step: step.kind = 'event'),
            lambda step: step_by_date(step, $weights::varchar[], $as_of::date))) as next_event,
        len(list_filter(plan, lambda step: step.status = 'overdue')) as count_overdue
    from plans
    join students using (source_row)
),

chosen as (
    select
        source_row,
        coalesce(exam_step, screened_missed, soonest_due, missed, next_event) as step,
        count_overdue
    from picks
),

final as (
    select
        students.source_row,
        chosen.step.item as next_item,
        chosen.step.by_date as next_step_due,
        chosen.step.useful_until as next_step_useful_until,
        chosen.step.is_estimated as next_step_estimated,
        coalesce(chosen.count_overdue, 0) as count_overdue
    from students
    left join chosen using (source_row)
    order by students.source_row
)

select * from final
