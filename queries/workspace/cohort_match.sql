-- How far an upload's students (`uploaded_students`: student_id, name) are each saved
-- cohort's, against the cohort's latest snapshot: the upload's students whose id the cohort
-- has (by look_alike_key: case, leading zeros and invisible characters aside), and of those
-- named on both sides, how many carry the same name (ignoring case, accents and spacing). A cohort is the upload's only when most ids and most names agree:
-- another class numbered 1, 2, 3... shares the ids but not the names.
with latest as (
    select
        cohort,
        max(snapshot_id) as snapshot_id
    from snapshots
    group by cohort
),

saved as (
    select
        latest.cohort,
        look_alike_key(snapshot_students.student_id) as id_key,
        snapshot_students.name
    from latest
    inner join snapshot_students using (snapshot_id)
),

uploaded as (
    select distinct
        look_alike_key(student_id) as id_key,
        name
    from uploaded_students
    where student_id is not null
),

name_keys as (
    select
        saved.cohort,
        lower(regexp_replace(strip_accents(saved.name), '[^[:alnum:]]+', '', 'g')) as saved_key,
        lower(regexp_replace(strip_accents(uploaded.name), '[^[:alnum:]]+', '', 'g'))
            as uploaded_key
    from saved
    inner join uploaded using (id_key)
),

final as (
    select
        cohort,
        count(*) as same_ids,
        count(*) filter (where saved_key <> '' and uploaded_key <> '') as named_on_both,
        count(*) filter (where saved_key <> '' and saved_key = uploaded_key) as same_names
    from name_keys
    group by cohort
)

select
    cohort,
    same_ids,
    named_on_both,
    same_names
from final
where
    same_ids * 2 > (select count(*) from uploaded)
    and (named_on_both = 0 or same_names * 2 > named_on_both)
order by same_names desc, same_ids desc, cohort
