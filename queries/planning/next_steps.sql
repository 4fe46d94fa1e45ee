-- Each student's next step: a missing Step 1 pass or a failed Step 2 CK whose date has passed; else their soonest task or reminder still ahead; else the missed task they can still make up that programs weigh most; else the next calendar event. One row per student, in file order, so an export can pair them by position.
with students as (
    select source_row from plan_students
),

-- Programs screen for the passes in $screened (Step 1, a Step 2 CK retake): one missing past
-- its date comes before anything else.
-- Then what can still be done on time: a missed date stays on the plan (and in the overdue
-- count), but the step still ahead is what to do next; steps due the same day go by weight
-- ($weights: the sub-I and the letters before the reminder to submit). Then a missed task
-- while it can still be made up (the letters until interviews end, say), before a calendar
-- event: the interview season is everyone's, a missing letter is this student's. A season
-- (sub-Is, interviews) counts by its last day: one under way is due by its end.
picks as (
    select
        source_row,
        list_min(list_transform(
            list_filter(plan, lambda step: step.status = 'overdue'
                and coalesce(step.make_up_until >= $as_of::date, true)
                and list_contains($screened::varchar[], step.item)),
            lambda step: step_by_weight(step, $weights::varchar[]))) as screened_missed,
        list_min(list_transform(
            list_filter(plan, lambda step: step.status = 'due' and step.kind <> 'event'),
            lambda step: step_by_date(step, $weights::varchar[]))) as soonest_due,
        list_min(list_transform(
            list_filter(plan, lambda step: step.status = 'overdue'
                and coalesce(step.make_up_until >= $as_of::date, true)),
            lambda step: step_by_weight(step, $weights::varchar[]))) as missed,
        list_min(list_transform(
            list_filter(plan, lambda step: step.kind = 'event'),
            lambda step: step_by_date(step, $weights::varchar[]))) as next_event,
        len(list_filter(plan, lambda step: step.status = 'overdue')) as count_overdue
    from student_plan_lists
),

final as (
    select
        students.source_row,
        coalesce(picks.screened_missed.item, picks.soonest_due.item, picks.missed.item,
                 picks.next_event.item) as next_item,
        coalesce(picks.screened_missed.by_date, picks.soonest_due.by_date,
                 picks.missed.by_date, picks.next_event.by_date) as next_step_due,
        coalesce(picks.count_overdue, 0) as count_overdue
    from students
    left join picks using (source_row)
    order by students.source_row
)

select * from final
