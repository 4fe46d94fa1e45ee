-- Students who joined and left between two versions of a cohort (`before_students`, `after_students`) under IDs that differ only by capital letters, leading zeros, spaces or a look-alike letter of another alphabet (dashboard/identity.py): maybe one student, for the advisor to confirm; never matched. IDs that differ by invisible characters alone are the same ID (`changes.sql` matches them) and are not listed.
with before_keys as (
    select
        student_key(student_id) as id_key,
        any_value(student_id) as student_id,
        min(source_row) as source_row,
        count(*) as count_rows
    from before_students
    where given_student_id is not null
    group by id_key
),

after_keys as (
    select
        student_key(student_id) as id_key,
        any_value(student_id) as student_id,
        min(source_row) as source_row,
        count(*) as count_rows
    from after_students
    where given_student_id is not null
    group by id_key
),

-- A repeated id is compared with nothing (`ambiguous_ids.sql`), so it looks like nothing.
joined as (
    select *, look_alike_key(id_key) as alike_key
    from after_keys
    where count_rows = 1 and id_key not in (select id_key from before_keys)
),

gone as (
    select *, look_alike_key(id_key) as alike_key
    from before_keys
    where count_rows = 1 and id_key not in (select id_key from after_keys)
),

final as (
    select
        joined.student_id as after_id,
        joined.source_row as after_row,
        gone.student_id as before_id,
        gone.source_row as before_row,
        look_alike_problem(joined.student_id, gone.student_id,
                           'in the earlier file (row ' || gone.source_row || ')')
            as after_problem,
        look_alike_problem(gone.student_id, joined.student_id,
                           'in the later file (row ' || joined.source_row || ')')
            as before_problem
    from joined
    inner join gone using (alike_key)
)

select * from final
order by after_row, before_row
