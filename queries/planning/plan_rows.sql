-- The plans as rows, for the pages that list them: one row per open item, each student's soonest first.
with plans as (
    select * from student_plan_lists
),

final as (
    select source_row, unnest(plan, recursive := true)
    from plans
)

select source_row, item, due_date, end_date, is_estimated, status,
    greatest(coalesce(make_up_until, end_date, due_date), coalesce(end_date, due_date))
        as useful_until
from final
order by source_row, due_date, item
