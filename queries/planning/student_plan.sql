-- Each student's dated plan to their Match, as one list per student of the items still open (due, overdue or not applicable), each with its date, an end date for a season, and whether that date is only estimated. One list per student, not a row per item: a million students need no twelve-million-row intermediate.
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

dated as (
    select
        students.source_row,
        students.cycle,
        students.stage,
        students.step1_result,
        students.condition_step1_fail,
        students.condition_step2_fail,
        students.step2ck_score,
        students.step2ck_date,
        students.us_plastics_lors,
        students.surgery_lors,
        students.publications,
        students.presentations,
        students.us_plastics_subis,
        students.research_year,
        students.parallel_plan,
        dates.*,
        dates.date_review - $score_release_days::integer as date_latest_sitting
    from students
    join dates on dates.match_year = students.cycle
),

-- Tasks are open until the file shows them done (a missing value is never done); reminders and
-- calendar events while their last day is still ahead (plan_task and plan_ahead in
-- macros.sql). A missed task can be made up until the end of the sub-I season for the sub-I
-- and its applications, the end of interviews for letters, backup and research, and at any
-- time (NULL) for Step 1 and Step 2 CK: every Match needs their passes (ECFMG certification).
final as (
    select
        source_row,
        list_filter([
            case
                when condition_step1_fail then plan_item('step1_pass', 'task',
                    make_date(cycle - 2, 6, 30), null, true, 'not_applicable', null)
                else plan_task('step1_pass', step1_result = 'pass',
                    make_date(cycle - 2, 6, 30), null, true, null, $as_of::date)
            end,
            -- A fail, or repeated attempts with no pass, on file: the retake's pass is due
            -- before the clinical year (so a clinical-year student's is already overdue, and
            -- first), for a final-year student in time for programs to see it, as a Step 2 CK
            -- score must (a first-attempt pass is out of reach).
            case when condition_step1_fail and step1_result is distinct from 'pass' then
                plan_task('step1_retake', false,
                    case when stage in ('preclinical', 'clinical') then make_date(cycle - 2, 6, 30)
                        else date_latest_sitting end, null,
                    stage in ('preclinical', 'clinical') or not is_review_configured, null,
                    $as_of::date) end,
            plan_task('research_started',
                publications > 0 or presentations > 0 or research_year,
                make_date(cycle - 2, 7, 1), null, true, date_interviews_end, $as_of::date),
            -- Before the final year, unless a US plastics letter or sub-I shows mentors found.
            case when coalesce(stage, 'applying') in ('preclinical', 'clinical')
                and not coalesce(us_plastics_lors > 0 or us_plastics_subis > 0, false) then
                plan_ahead('mentors_found', 'reminder', make_date(cycle - 1, 1, 31), null, true,
                    $as_of::date) end,
            -- Host schools take sub-I applications from VSLO's opening until their rotations
            -- begin: a season, due by the start of the sub-I season.
            plan_task('vslo_applications', us_plastics_subis >= 1, date_vslo, date_subi_start,
                not is_vslo_configured, date_subi_end, $as_of::date),
            plan_task('subi_season', us_plastics_subis >= 1, date_subi_start, date_subi_end,
                not is_subi_configured, date_subi_end, $as_of::date),
            -- Done with a score on file, or a sitting on file by the latest date (sat or booked
            -- in time; a score still missing after it is flagged as pending by the rules).
            plan_task('step2_sitting',
                step2ck_score is not null or step2ck_date <= date_latest_sitting,
                date_latest_sitting, null, not is_review_configured, null, $as_of::date),
            -- A score under the passing mark: the retake's pass is due by the latest sitting;
            -- past it, overdue, it stays the next step (every Match needs the pass).
            case when condition_step2_fail then plan_task('step2_retake', false,
                date_latest_sitting, null, not is_review_configured, null, $as_of::date) end,
            plan_task('plastics_letters', us_plastics_lors >= $us_plastics_lors_min::integer,
                date_review, null, not is_review_configured, date_interviews_end,
                $as_of::date),
            plan_task('surgery_letter', surgery_lors >= $surgery_lors_min::integer,
                date_review, null, not is_review_configured, date_interviews_end,
                $as_of::date),
            plan_task('backup_plan', parallel_plan, date_review, null,
                not is_review_configured, date_interviews_end, $as_of::date),
            plan_ahead('applications_submitted', 'reminder', date_review, null,
                not is_review_configured, $as_of::date),
            plan_ahead('interview_season', 'event', date_interviews_start, date_interviews_end,
                not is_interviews_configured, $as_of::date),
            plan_ahead('rank_list', 'event', date_rank_list, null,
                not is_rank_list_configured, $as_of::date),
            plan_ahead('match_day', 'event', date_match_day, null,
                not is_match_day_configured, $as_of::date)
        ], lambda item: item is not null) as plan
    from dated
)

select * from final
