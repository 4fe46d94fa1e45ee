-- One student (by the ID's key: invisible differences aside) across the snapshots of a cohort, oldest first: risk level, Step 2 CK, letters, sub-Is and flags on each as-of date (rows counts how many rows had the id, when it was repeated).
with snapshot_rows as (
    select
        snapshots.snapshot_id,
        snapshots.as_of,
        snapshots.saved_at,
        students.risk_level,
        students.step2ck_score,
        students.us_plastics_lors,
        students.us_plastics_subis,
        students.flags
    from snapshots
    inner join snapshot_students as students using (snapshot_id)
    where snapshots.cohort = $cohort
        and student_key(students.student_id) = student_key($student_id)
        and students.given_student_id is not null
),

final as (
    select
        snapshot_id,
        any_value(as_of) as as_of,
        any_value(saved_at) as saved_at,
        count(*) as "rows",
        -- A repeated id is ambiguous: its values are shown only when every row agrees.
        case when count(distinct risk_level) = 1 then any_value(risk_level) end as risk_level,
        case when count(*) = 1 then any_value(step2ck_score) end as step2ck_score,
        case when count(*) = 1 then any_value(us_plastics_lors) end as us_plastics_lors,
        case when count(*) = 1 then any_value(us_plastics_subis) end as us_plastics_subis,
        case when count(*) = 1 then any_value(flags) end as flags
    from snapshot_rows
    group by snapshot_id
)

select * from final
order by as_of, saved_at, snapshot_id
