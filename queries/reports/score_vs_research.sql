-- Step 2 CK against research output, one point per combination with its students counted, so a large cohort stays a small chart.
with students as (
    select * from flagged_students
    where step2ck_score is not null
),

points as (
    select
        step2ck_score,
        coalesce(publications, 0) + coalesce(presentations, 0) as count_research,
        least(coalesce(us_plastics_lors, 0), 3) as count_us_plastics_lors_capped,
        risk_level
    from students
),

final as (
    select
        step2ck_score,
        count_research,
        count_us_plastics_lors_capped,
        risk_level,
        count(*) as count_students
    from points
    group by all
    order by step2ck_score, count_research
)

select * from final
