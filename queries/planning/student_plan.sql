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
        max(milestone_date) filter (where milestone = 'first_review') as date_first_review,
        bool_or(is_configured) filter (where milestone = 'first_review')
            as is_first_review_configured,
        max(milestone_date) filter (where milestone = 'psca_release') as date_psca,
        bool_or(is_configured) filter (where milestone = 'psca_release') as is_psca_configured,
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
        max(milestone_date) filter (where milestone = 'nrmp_registration') as date_nrmp,
        bool_or(is_configured) filter (where milestone = 'nrmp_registration')
            as is_nrmp_configured,
        max(milestone_date) filter (where milestone = 'rank_list_deadline') as date_rank_list,
        bool_or(is_configured) filter (where milestone = 'rank_list_deadline')
            as is_rank_list_configured,
        max(milestone_date) filter (where milestone = 'exam_deadline') as date_exam_deadline,
        bool_or(is_configured) filter (where milestone = 'exam_deadline')
            as is_exam_deadline_configured,
        max(milestone_date) filter (where milestone = 'match_day') as date_match_day,
        bool_or(is_configured) filter (where milestone = 'match_day') as is_match_day_configured
    from calendar
    group by match_year
),

-- The plan is built for the student's match_year: the Match under way, or the next one when
-- it is out of reach or over (queries/flagging/rule_states.sql).
dated as (
    select
        students.*,
        dates.* exclude (match_year),
        dates.date_first_review - $score_release_days::integer as date_latest_sitting,
        coalesce(students.stage, 'applying') in ('preclinical', 'clinical') as is_before_final,
        coalesce(students.strategy = 'general_surgery_first', false) as is_gs_first,
        students.risk_level in ('high', 'moderate', 'needs_data') as is_at_risk
    from students
    join dates using (match_year)
),

-- The date a missing exam is due by: before the final year, by the latest sitting whose
-- score reaches the first review (Step 1 before the clinical year); from the final year, the
-- earliest useful date still ahead: that sitting, else the last sitting whose result ECFMG
-- can confirm by the rank order list deadline.
exam_dates as (
    select
        *,
        case when date_latest_sitting >= $as_of::date then date_latest_sitting
            else date_exam_deadline end as date_next_sitting,
        case
            when is_before_final then make_date(match_year - 2, 6, 30)
            when date_latest_sitting >= $as_of::date then date_latest_sitting
            else date_exam_deadline
        end as date_step1_due,
        step2ck_score is null and step2ck_date is not null as is_awaiting_step2
    from dated
),

-- Tasks are open until the file shows them done (a missing value is never done); reminders and
-- calendar events while their last day is still ahead (plan_task and plan_ahead in
-- macros.sql). Each item is useful until its last date for this Match: an exam pass until
-- the exam deadline, the sub-I and its applications until the sub-I season ends, letters,
-- backup and research until interviews end. Steps that serve integrated plastics alone (US
-- plastics letters, the plastics sub-I and its VSLO applications, mentors, the PSCA and its
-- signals, a plastics list) are left off a general-surgery-first plan.
final as (
    select
        source_row,
        list_filter([
            case
                when condition_step1_fail then plan_item('step1_pass', 'task',
                    date_step1_due, null, true, 'not_applicable', date_exam_deadline)
                -- From the clinical year a blank Step 1 is a result to confirm, not an exam
                -- to plan (schools abroad have their students sit it before clerkships):
                -- ECFMG must confirm a pass by the rank order list deadline.
                else plan_task(case when step1_result is null
                        and coalesce(stage, 'applying') <> 'preclinical'
                        then 'step1_confirm' else 'step1_pass' end, step1_result = 'pass',
                    date_step1_due, null,
                    not is_before_final and not is_exam_deadline_configured,
                    date_exam_deadline, $as_of::date)
            end,
            -- A fail, or repeated attempts with no pass: the retake's pass, before the
            -- clinical year or, from the final year, by the next useful sitting; the last
            -- attempt USMLE allows at three; none left from four.
            case when condition_step1_fail and step1_result is distinct from 'pass' then
                plan_task(case when step1_attempts >= 4 then 'step1_no_attempts'
                        when step1_attempts = 3 then 'step1_last_attempt'
                        else 'step1_retake' end, false,
                    case when step1_attempts >= 4 then $as_of::date else date_step1_due end,
                    null, not is_before_final and not is_exam_deadline_configured,
                    date_exam_deadline, $as_of::date) end,
            -- Plastics research serves the integrated application; a general-surgery-first
            -- plan puts the surgery letter and the programs first (research comes in the
            -- preliminary year, after this Match).
            case when not is_gs_first then plan_task('research_started',
                publications > 0 or presentations > 0 or research_year,
                make_date(match_year - 2, 7, 1), null, true, date_interviews_end, $as_of::date)
            end,
            -- Before the final year, unless a US plastics letter or sub-I shows mentors found.
            case when is_before_final and not is_gs_first
                and not coalesce(us_plastics_lors > 0 or us_plastics_subis > 0, false) then
                plan_ahead('mentors_found', 'reminder', make_date(match_year - 1, 1, 31), null,
                    true, $as_of::date) end,
            -- Host schools take sub-I applications from VSLO's opening; most places go by
            -- mid-April, and a late application still helps until the sub-Is begin.
            case when not is_gs_first then
                plan_task('vslo_applications', us_plastics_subis >= 1, date_vslo,
                    make_date(match_year - 1, 4, 15), not is_vslo_configured, date_subi_start,
                    $as_of::date) end,
            case when not is_gs_first then
                plan_task('subi_season', us_plastics_subis >= 1, date_subi_start, date_subi_end,
                    not is_subi_configured, date_subi_end, $as_of::date) end,
            -- Done with a score on file or a sitting on file (its score is then awaited).
            plan_task('step2_sitting', step2ck_score is not null or step2ck_date is not null,
                case when is_before_final then date_latest_sitting else date_next_sitting end,
                null, not is_first_review_configured, date_exam_deadline, $as_of::date),
            -- A sitting on file too late: for the first review while that can still be met,
            -- else for the exam deadline; else its score is awaited, to confirm.
            case
                when is_awaiting_step2 and step2ck_date > date_exam_deadline
                    -- Due now (seats fill), useful until the sitting it must move to.
                    then plan_task('step2_reschedule', false, $as_of::date, null, false,
                        date_next_sitting, $as_of::date)
                -- Awaited while the exams are due (SPEC 4): to Match Day at the latest.
                when is_awaiting_step2 then plan_task('step2_score', false,
                    step2ck_date + $score_release_days::integer, null, true, date_match_day,
                    $as_of::date)
            end,
            -- A score under the passing mark: the retake's pass by the next useful sitting.
            case when condition_step2_fail then plan_task('step2_retake', false,
                date_next_sitting, null, not is_exam_deadline_configured, date_exam_deadline,
                $as_of::date) end,
            case when not is_gs_first then
                plan_task('plastics_letters', us_plastics_lors >= $us_plastics_lors_min::integer,
                    date_first_review, null, not is_first_review_configured,
                    date_interviews_end, $as_of::date) end,
            plan_task('surgery_letter', surgery_lors >= $surgery_lors_min::integer,
                date_review, null, not is_review_configured, date_interviews_end,
                $as_of::date),
            -- A backup list still helps a month into interviews, when most invitations are out.
            plan_task('backup_plan', parallel_plan, date_review, null,
                not is_review_configured, date_interviews_start + 30, $as_of::date),
            -- The program list the strategy calls for, two weeks before the applications
            -- it goes into.
            case strategy
                when 'aggressive_integrated' then plan_ahead('plastics_broad_list', 'reminder',
                    date_first_review - 14, null, true, $as_of::date)
                when 'targeted_integrated' then plan_ahead('plastics_targeted_list',
                    'reminder', date_first_review - 14, null, true, $as_of::date)
                when 'general_surgery_first' then plan_ahead('gs_prelim_list', 'reminder',
                    date_review - 14, null, true, $as_of::date)
            end,
            case when not is_gs_first then plan_ahead('psca_submitted', 'reminder', date_psca,
                null, not is_psca_configured, $as_of::date) end,
            plan_ahead('applications_submitted', 'reminder', date_review, null,
                not is_review_configured, $as_of::date),
            -- Re-applying: what the next Match needs, said first.
            case cycle_status
                when 'out_of_cycle' then plan_ahead('reapplication_plan', 'reminder',
                    $as_of::date, null, false, $as_of::date)
                when 'cycle_over' then plan_ahead('if_unmatched', 'reminder', $as_of::date,
                    null, false, $as_of::date)
            end,
            plan_ahead('interview_season', 'event', date_interviews_start, date_interviews_end,
                not is_interviews_configured, $as_of::date),
            plan_ahead('nrmp_registration', 'event', date_nrmp, null, not is_nrmp_configured,
                $as_of::date),
            plan_ahead('rank_list', 'event', date_rank_list, null,
                not is_rank_list_configured, $as_of::date),
            -- SOAP runs in Match week, from its Monday: a student at risk gets ready for it.
            case when is_at_risk then plan_ahead('match_week_soap', 'event',
                date_match_day - 4, date_match_day - 1, not is_match_day_configured,
                $as_of::date) end,
            plan_ahead('match_day', 'event', date_match_day, null,
                not is_match_day_configured, $as_of::date)
        ], lambda item: item is not null) as plan
    from exam_dates
)

select * from final
