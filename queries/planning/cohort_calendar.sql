-- What falls due across the cohort in the next $days days, and every overdue task, soonest first, with the student and their advisor.
with plan as (
    select * from student_plans
),

students as (
    select source_row, student_id, name, advisor_group as advisor, risk_level, match_year
    from flagged_students
),

window_items as (
    select *
    from plan
    where status = 'overdue'
        or (status = 'due' and due_date <= $as_of::date + $days::integer)
),

final as (
    select
        window_items.due_date,
        window_items.end_date,
        window_items.status,
        window_items.item,
        ($item_labels::varchar[])[list_position($item_ids::varchar[], window_items.item)]
            as what,
        students.student_id,
        students.name,
        coalesce(students.advisor, '(no advisor)') as advisor,
        students.risk_level,
        students.match_year,
        window_items.is_estimated,
        window_items.source_row
    from window_items
    join students using (source_row)
)

select * from final
order by due_date, what, student_id
