-- Students at each risk level per class year, campus or advisor ($group_by names which).
with students as (
    select * from flagged_students
),

grouped as (
    select
        coalesce(
            case $group_by::varchar
                when 'class_year' then class_year::varchar
                when 'campus' then campus
                when 'advisor' then advisor_group
            end,
            '(not given)'
        ) as group_value,
        risk_level
    from students
),

final as (
    select group_value, risk_level, count(*) as count_students
    from grouped
    group by group_value, risk_level
    order by group_value, risk_level
)

select * from final
