-- How many students are at each risk level, carry each headline risk factor, or could not be checked for one.
with students as (
    select * from flagged_students
),

final as (
    select
        count(*) as count_students,
        count(*) filter (where risk_level = 'high') as count_high,
        count(*) filter (where risk_level = 'moderate') as count_moderate,
        count(*) filter (where risk_level = 'needs_data') as count_needs_data,
        count(*) filter (where risk_level = 'low') as count_low,
        count(*) filter (where STEP1_FAIL in ('critical', 'warning', 'info')) as count_step1_fail,
        count(*) filter (where STEP1_FAIL = 'unknown') as count_step1_unknown,
        count(*) filter (where STEP2_LOW in ('critical', 'warning', 'info')) as count_step2_low,
        count(*) filter (where US_PLASTICS_LORS_MISSING in ('critical', 'warning'))
            as count_us_plastics_lors_missing,
        count(*) filter (where US_PLASTICS_LORS_MISSING = 'unknown' and is_ready_stage)
            as count_us_plastics_lors_unknown,
        count(*) filter (where unknown <> '') as count_with_unknown,
        count(*) filter (where step2ck_score is null) as count_without_score
    from students
)

select * from final
