-- Student ids that cannot be compared between two versions of a cohort: repeated on a side (which row is which student?), with the rows on each side.
-- Ids are counted by their key (dashboard/identity.py): `S1` and `S1` with a no-break space
-- are one id repeated, shown as the first row writes it.
with before_counts as (
    select student_key(student_id) as id_key, arg_min(student_id, source_row) as student_id,
        count(*) as before_rows
    from before_students
    where given_student_id is not null group by id_key
),

after_counts as (
    select student_key(student_id) as id_key, arg_min(student_id, source_row) as student_id,
        count(*) as after_rows
    from after_students
    where given_student_id is not null group by id_key
),

final as (
    select
        coalesce(after_counts.student_id, before_counts.student_id) as student_id,
        coalesce(before_rows, 0) as before_rows,
        coalesce(after_rows, 0) as after_rows
    from before_counts
    full outer join after_counts using (id_key)
    where coalesce(before_rows, 0) > 1 or coalesce(after_rows, 0) > 1
)

select * from final
order by student_id
