-- Each student's dated plan to their Match: one row per item still open (due, overdue or not applicable), with its date, an end date for a season, and whether that date is only estimated.
with students as (
    select * from plan_students
),

-- Every milestone date for every Match year in the cohort: configured, or by its default rule.
calendar as (
    select
        unnest($milestone_keys::varchar[]) as milestone,
        unnest($milestone_years::integer[]) as match_year,
        unnest($milestone_dates::date[]) as milestone_date,
        unnest($milestone_configured::boolean[]) as is_configured
    from (select 1)
),

dates as (
    select
        match_year,
        max(milestone_date) filter (where milestone = 'review_opens') as date_review,
        bool_or(is_configured) filter (where milestone = 'review_opens') as is_review_configured,
        max(milestone_date) filter (where milestone = 'vslo_opens') as date_vslo,
        bool_or(is_configured) filter (where milestone = 'vslo_opens') as is_vslo_configured,
        max(milestone_date) filter (where milestone = 'subi_season_start') as date_subi_start,
        max(milestone_date) filter (where milestone = 'subi_season_end') as date_subi_end,
        bool_or(is_configured) filter (where milestone = 'subi_season_end')
            as is_subi_configured,
        max(milestone_date) filter (where milestone = 'interviews_start') as date_interviews_start,
        max(milestone_date) filter (where milestone = 'interviews_end') as date_interviews_end,
        bool_or(is_configured) filter (where milestone = 'interviews_end')
            as is_interviews_configured,
        max(milestone_date) filter (where milestone = 'rank_list_deadline') as date_rank_list,
        bool_or(is_configured) filter (where milestone = 'rank_list_deadline')
            as is_rank_list_configured,
        max(milestone_date) filter (where milestone = 'match_day') as date_match_day,
        bool_or(is_configured) filter (where milestone = 'match_day') as is_match_day_configured
    from calendar
    group by match_year
),

dated as materialized (
    select
        students.source_row,
        students.cycle,
        students.stage,
        students.step1_result,
        students.condition_step1_fail,
        students.step2ck_score,
        students.step2ck_date,
        students.us_plastics_lors,
        students.surgery_lors,
        students.publications,
        students.presentations,
        students.us_plastics_subis,
        students.parallel_plan,
        dates.*,
        dates.date_review - $score_release_days::integer as date_latest_sitting
    from students
    join dates on dates.match_year = students.cycle
),

-- Tasks: done when the file shows it (a missing value is never done), else due or overdue.
tasks as (
    select source_row, 'step1_pass' as item, make_date(cycle - 2, 6, 30) as due_date,
        null::date as end_date, true as is_estimated,
        case when condition_step1_fail then 'not_applicable'
            else task_status(step1_result = 'pass', make_date(cycle - 2, 6, 30), $as_of::date)
        end as status
    from dated
    union all
    -- The last result on file is a fail: the retake's pass must reach programs in time, as a
    -- Step 2 CK score must (a first-attempt pass is then out of reach: not applicable above).
    select source_row, 'step1_retake', date_latest_sitting, null, not is_review_configured,
        task_status(false, date_latest_sitting, $as_of::date)
    from dated
    where step1_result = 'fail'
    union all
    select source_row, 'research_started', make_date(cycle - 2, 7, 1), null, true,
        task_status(publications > 0 or presentations > 0, make_date(cycle - 2, 7, 1),
            $as_of::date)
    from dated
    union all
    select source_row, 'vslo_applications', date_vslo, null, not is_vslo_configured,
        task_status(us_plastics_subis >= 1, date_vslo, $as_of::date)
    from dated
    union all
    select source_row, 'subi_season', date_subi_start, date_subi_end, not is_subi_configured,
        task_status(us_plastics_subis >= 1, date_subi_end, $as_of::date)
    from dated
    union all
    select source_row, 'step2_sitting', date_latest_sitting, null, not is_review_configured,
        task_status(step2ck_score is not null, date_latest_sitting, $as_of::date)
    from dated
    union all
    select source_row, 'plastics_letters', date_review, null, not is_review_configured,
        task_status(us_plastics_lors >= $us_plastics_lors_min::integer, date_review, $as_of::date)
    from dated
    union all
    select source_row, 'surgery_letter', date_review, null, not is_review_configured,
        task_status(surgery_lors >= $surgery_lors_min::integer, date_review, $as_of::date)
    from dated
    union all
    select source_row, 'backup_plan', date_review, null, not is_review_configured,
        task_status(parallel_plan, date_review, $as_of::date)
    from dated
),

-- Reminders and calendar events carry no data of the student's: listed while still ahead.
events as (
    select source_row, 'mentors_found' as item, make_date(cycle - 1, 1, 31) as due_date,
        null::date as end_date, true as is_estimated, 'due' as status
    from dated
    where coalesce(stage, 'applying') in ('preclinical', 'clinical')
    union all
    select source_row, 'applications_submitted', date_review, null, not is_review_configured,
        'due'
    from dated
    union all
    select source_row, 'interview_season', date_interviews_start, date_interviews_end,
        not is_interviews_configured, 'due'
    from dated
    union all
    select source_row, 'rank_list', date_rank_list, null, not is_rank_list_configured, 'due'
    from dated
    union all
    select source_row, 'match_day', date_match_day, null, not is_match_day_configured, 'due'
    from dated
),

final as (
    select * from tasks where status <> 'done'
    union all
    select * from events where coalesce(end_date, due_date) >= $as_of::date
)

select * from final
order by source_row, due_date, item
