-- The students of the loaded file with these ids (the notes' ids): row, name and advisor. An id on more than one row is ambiguous: it gets its advisor only when every row agrees, and no row or name.
with students as (
    select * from flagged_students
    where given_student_id is not null
        and student_id in (select unnest($student_ids::varchar[]))
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
