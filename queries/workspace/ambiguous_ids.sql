-- Student ids that cannot be compared between two versions of a cohort: repeated on a side (which row is which student?), with the rows on each side.
with before_counts as (
    select student_id, count(*) as before_rows from before_students
    where given_student_id is not null group by student_id
),

after_counts as (
    select student_id, count(*) as after_rows from after_students
    where given_student_id is not null group by student_id
),

final as (
    select
        student_id,
        coalesce(before_rows, 0) as before_rows,
        coalesce(after_rows, 0) as after_rows
    from before_counts
    full outer join after_counts using (student_id)
    where coalesce(before_rows, 0) > 1 or coalesce(after_rows, 0) > 1
)

select * from final
order by student_id
