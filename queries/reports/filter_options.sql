-- The values each filter can take in this cohort: class years, campuses, advisors, stages.
with students as (
    select * from flagged_students
),

final as (
    select
        list_sort(list_distinct(list(class_year))) as class_years,
        list_sort(list_distinct(list(campus))) as campuses,
        list_sort(list_distinct(list(advisor_group))) as advisors,
        list_sort(list_distinct(list(coalesce(stage, 'missing')))) as stages
    from students
)

select * from final
