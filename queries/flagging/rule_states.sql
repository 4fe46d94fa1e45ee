-- Every student's cycle and review date, each rule's state (severity, clear or unknown), band and strategy.
with students as (
    select * from canonical_students
),

facts as (
    select
        *,
        stage is null or stage in ('final_year', 'applying') as is_ready_stage,
        coalesce(stage = 'preclinical', false) as is_preclinical,
        -- A graduate whose graduation year is before the Match under way re-applies in it.
        coalesce(stage = 'applying' and graduation_year < $default_cycle_ready::integer, false)
            as is_graduate_reapplying,
        -- Without a class year, a final-year or applying student belongs to the Match under
        -- way until its rank order list deadline; any other stage, or none, to the next Match
        -- not yet reviewing.
        case
            when is_graduate_reapplying then $default_cycle_ready::integer
            else coalesce(class_year, case when stage in ('final_year', 'applying')
                then $default_cycle_ready::integer else $default_cycle::integer end)
        end as cycle,
        class_year is not null and not is_graduate_reapplying as is_cycle_from_class_year,
        len(list_filter(practice_scores, lambda score: score < $practice_low::integer))
            as count_low_practice_scores,
        coalesce(us_plastics_lors, 0) >= $us_plastics_lors_min::integer
            and coalesce(us_plastics_subis, 0) >= 1
            and coalesce(publications, 0) + coalesce(presentations, 0)
                >= $strong_research_min::integer
            as is_strong_profile,
        -- The Step 2 CK pass mark in force on the exam date (NULL with no date, or a date
        -- before the schedule).
        ($step2_pass_marks::integer[])[len(list_filter($step2_pass_dates::date[],
            lambda since: since <= step2ck_date))] as step2_pass_mark
    from students
),

-- The cycle's dates, from lists indexed by Match year (dashboard/config.py rule_params).
calendar as (
    select
        *,
        by_year($review_dates::date[], cycle, $first_year) as date_review_opens,
        by_year($first_review_dates::date[], cycle, $first_year) as date_first_review,
        by_year($rank_list_dates::date[], cycle, $first_year) as date_rank_list,
        by_year($match_day_dates::date[], cycle, $first_year) as date_match_day
    from facts
),

timing as (
    select
        *,
        date_first_review - $score_release_days::integer as date_latest_sitting,
        -- The last sitting whose result ECFMG can confirm by the rank order list deadline:
        -- the NRMP withdraws an IMG without both passes confirmed by then.
        date_rank_list - $score_release_days::integer as date_exam_deadline,
        $as_of::date >= date_first_review as is_review_open,
        -- A preclinical student's Step 1 is due from 1 July two years before the Match.
        not is_preclinical or $as_of::date >= make_date(cycle - 2, 7, 1) as is_step1_due
    from calendar
),

-- Whether each pass is on file, in three-valued logic: a Step 2 CK under the mark in force
-- on its exam date is a fail; with no date, under the lowest mark of the schedule is a fail,
-- at or above the mark in force today a pass, and between them unknown.
passes as (
    select
        *,
        case
            when step2ck_score is null then false
            when step2_pass_mark is not null then step2ck_score < step2_pass_mark
            when step2ck_score < $step2_pass_lowest::integer then true
            when step2ck_date is null and step2ck_score >= $step2_pass_now::integer then false
        end as condition_step2_fail,
        step1_result = 'pass' as has_step1_pass
    from timing
),

pass_states as (
    select
        *,
        case when step2ck_score is not null then not condition_step2_fail else false end
            as has_step2_pass
    from passes
),

-- Readiness stages only: ready (both passes on file), exams_due (a pass missing that can
-- still be on file by the rank order list deadline), out_of_cycle, unknown, or cycle_over
-- after the Match Day of a class year's Match.
cycles as (
    select
        *,
        case
            when not is_ready_stage then 'not_applying'
            when is_cycle_from_class_year and $as_of::date > date_match_day then 'cycle_over'
            -- Unknown when a pass not on file (Step 1 missing, say) decides it.
            else exam_status_known(
                exam_status(coalesce(has_step1_pass, true), coalesce(has_step2_pass, true),
                            step2ck_score, step2ck_date, date_exam_deadline, $as_of::date),
                exam_status(coalesce(has_step1_pass, true), coalesce(has_step2_pass, false),
                            step2ck_score, step2ck_date, date_exam_deadline, $as_of::date),
                exam_status(coalesce(has_step1_pass, false), coalesce(has_step2_pass, true),
                            step2ck_score, step2ck_date, date_exam_deadline, $as_of::date),
                exam_status(coalesce(has_step1_pass, false), coalesce(has_step2_pass, false),
                            step2ck_score, step2ck_date, date_exam_deadline, $as_of::date))
        end as cycle_status
    from pass_states
),

-- The Match the plan is built for: the next one when this one is out of reach or over.
match_years as (
    select
        *,
        case
            when cycle_status = 'out_of_cycle' then cycle + 1
            -- Over, or a class year whose Match is past for a student not yet in the final
            -- year (a stage and a class year that disagree): never a plan for a past Match.
            when cycle_status = 'cycle_over' or $as_of::date > date_match_day
                then by_year($reapply_years::integer[], cycle, $first_year)
            else cycle
        end as match_year
    from cycles
),

-- One condition per rule, in SQL three-valued logic: true raises it, false clears it, NULL
-- leaves it unknown. `python -m dashboard.docs` prints these lines into the README.
conditions as (
    select
        *,
        step1_result = 'fail' or coalesce(step1_attempts, 1) >= 2 as condition_step1_fail,
        not is_preclinical and step1_result = 'not_taken' as condition_step1_not_taken,
        -- USMLE allows four attempts at a Step.
        step1_attempts >= 3 and step1_result <> 'pass' as condition_step1_attempts_limit,
        case when not is_ready_stage then false
            when cycle_status <> 'unknown' then cycle_status = 'out_of_cycle'
        end as condition_exams_miss_match,
        coalesce(step2ck_score < $step2_low::integer, false) as condition_step2_low,
        coalesce(step2ck_score >= $step2_low::integer
            and step2ck_score < $step2_target::integer, false) as condition_step2_below_target,
        step2ck_score is null and is_ready_stage and (step2ck_date is null
            or step2ck_date + $score_release_days::integer > date_first_review)
            as condition_step2_pending,
        case
            when is_preclinical or step2ck_score is not null then false
            when coalesce(len(practice_scores), 0) = 0 then null
            else count_low_practice_scores >= $practice_low_count::integer
        end as condition_practice_low,
        us_plastics_lors < $us_plastics_lors_min::integer as condition_us_plastics_lors_missing,
        surgery_lors < $surgery_lors_min::integer as condition_surgery_lor_missing,
        publications = 0 and presentations = 0 as condition_no_plastics_research,
        us_plastics_subis = 0 as condition_no_us_plastics_subi,
        not parallel_plan as condition_no_parallel_plan
    from match_years
),

-- Each rule's column holds its severity when raised, else 'clear' or 'unknown'.
states as (
    select
        *,
        rule_state(condition_step1_fail, 'critical') as STEP1_FAIL,
        rule_state(condition_step1_not_taken,
            case when stage = 'clinical' then 'warning' else 'critical' end) as STEP1_NOT_TAKEN,
        rule_state(condition_step1_attempts_limit, 'critical') as STEP1_ATTEMPTS_LIMIT,
        rule_state(condition_step2_fail, 'critical') as STEP2_FAIL,
        rule_state(condition_exams_miss_match, 'critical') as EXAMS_MISS_MATCH,
        rule_state(condition_step2_low, 'critical') as STEP2_LOW,
        rule_state(condition_step2_below_target, 'warning') as STEP2_BELOW_TARGET,
        rule_state(condition_step2_pending,
            case when is_review_open then 'critical' else 'warning' end) as STEP2_PENDING,
        rule_state(condition_practice_low, 'warning') as PRACTICE_LOW,
        rule_state(condition_us_plastics_lors_missing, case
            when not is_ready_stage then 'info'
            when us_plastics_lors > 0 then 'warning'
            when coalesce(us_plastics_subis >= 1, false) and not is_review_open then 'warning'
            else 'critical'
        end) as US_PLASTICS_LORS_MISSING,
        rule_state(condition_surgery_lor_missing, by_stage(is_ready_stage, 'warning', 'info'))
            as SURGERY_LOR_MISSING,
        rule_state(condition_no_plastics_research, by_stage(is_ready_stage, 'warning', 'info'))
            as NO_PLASTICS_RESEARCH,
        rule_state(condition_no_us_plastics_subi, by_stage(is_ready_stage, 'warning', 'info'))
            as NO_US_PLASTICS_SUBI,
        rule_state(condition_no_parallel_plan, case
            when coalesce(condition_step1_fail, false) or condition_step2_low
                then by_stage(is_ready_stage, 'critical', 'warning')
            else by_stage(is_ready_stage, 'warning', 'info')
        end) as NO_PARALLEL_PLAN
    from conditions
),

profiles as (
    select
        *,
        case
            when step2ck_score is null then 'unknown'
            when step2ck_score >= $step2_highly_competitive::integer then 'highly_competitive'
            when step2ck_score >= $step2_target::integer then 'competitive'
            when step2ck_score >= $step2_low::integer then 'borderline'
            else 'low'
        end as band,
        -- First match wins; an unknown Step 1 falls past both Step 1 branches.
        case
            when step2ck_score is null then 'pending'
            when condition_step1_fail then (
                case when step2ck_score >= $aggressive_min::integer and is_strong_profile
                    then 'targeted_integrated' else 'general_surgery_first' end
            )
            when step2ck_score >= $aggressive_min::integer and is_strong_profile
                and not condition_step1_fail then 'aggressive_integrated'
            when step2ck_score >= $targeted_min::integer then 'targeted_integrated'
            else 'general_surgery_first'
        end as strategy
    from states
),

-- The cases in which a rule's advice takes another form (dashboard/rules.py alternatives).
cases as (
    select
        *,
        strategy = 'general_surgery_first' as is_gs_first,
        step2ck_score is not null as has_step2_score,
        step2ck_score is null and step2ck_date is not null as has_step2_sitting
    from profiles
),

final as (
    select * from cases
)

select * from final
