-- Script: one spelling per advisor, so "dr. fontaine" and "Dr. Fontaine" group together in charts, filters, tables and the calendar (the most common spelling is shown).
create or replace table advisor_groups as
with students as (
    select * from flagged_students
),

spellings as (
    select regexp_replace(lower(advisor), '[^a-z0-9]', '', 'g') as advisor_key, advisor,
        count(*) as count_students, min(source_row) as first_row
    from students
    where advisor is not null
    group by all
),

final as (
    -- The most common spelling; on a tie, the one the file shows first.
    select advisor_key, arg_max(advisor, count_students - first_row / 1e9) as advisor_group
    from spellings
    group by advisor_key
)

select * from final;

alter table flagged_students add column advisor_group varchar;

update flagged_students
set advisor_group = advisor_groups.advisor_group
from advisor_groups
where regexp_replace(lower(flagged_students.advisor), '[^a-z0-9]', '', 'g')
    = advisor_groups.advisor_key;
