-- The students of the loaded file with these ids (the notes' ids): row, name and advisor. An id on more than one row is ambiguous: it gets its advisor only when every row agrees, and no row or name.
-- Each asked id finds the rows whose id has its key (dashboard/identity.py), and is returned
-- as asked: a note's id written with a no-break space still finds its student.
with asked as (
    select distinct unnest($student_ids::varchar[]) as asked_id
),

students as (
    select asked.asked_id as student_id, flagged.* exclude (student_id)
    from flagged_students as flagged
    inner join asked on student_key(asked.asked_id) = student_key(flagged.student_id)
    where flagged.given_student_id is not null
),

final as (
    select
        student_id,
        case when count(*) = 1 then any_value(source_row) end as source_row,
        case when count(*) = 1 then any_value(name) end as name,
        case when count(distinct advisor_group) = 1 and count(advisor_group) = count(*)
            then any_value(advisor_group) end as advisor_group,
        count(*) as rows_with_id
    from students
    group by student_id
)

select * from final
