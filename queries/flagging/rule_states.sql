-- Every student's cycle and review date, each rule's state (severity, clear or unknown), band and strategy.
with students as (
    select * from canonical_students
),

facts as (
    select
        *,
        stage is null or stage in ('final_year', 'applying') as is_ready_stage,
        coalesce(stage = 'preclinical', false) as is_preclinical,
        coalesce(class_year, $default_cycle::integer) as cycle,
        len(list_filter(practice_scores, lambda score: score < $practice_low::integer))
            as count_low_practice_scores,
        coalesce(us_plastics_lors, 0) >= $us_plastics_lors_min::integer
            and coalesce(publications, 0) + coalesce(presentations, 0)
                >= $strong_research_min::integer
            as is_strong_profile
    from students
),

calendar as (
    select
        *,
        coalesce(
            ($review_open_dates::date[])[list_position($review_open_years::integer[], cycle)],
            last_wednesday_of_september(cycle - 1)
        ) as date_review_opens
    from facts
),

timing as (
    select
        *,
        date_review_opens - $score_release_days::integer as date_latest_sitting,
        $as_of::date >= date_review_opens as is_review_open
    from calendar
),

-- One condition per rule, in SQL three-valued logic: true raises it, false clears it, NULL
-- leaves it unknown. `python -m dashboard.docs` prints these lines into the README.
conditions as (
    select
        *,
        step1_result = 'fail' or coalesce(step1_attempts, 1) >= 2 as condition_step1_fail,
        not is_preclinical and step1_result = 'not_taken' as condition_step1_not_taken,
        coalesce(step2ck_score < $step2_pass::integer, false) as condition_step2_fail,
        coalesce(step2ck_score < $step2_low::integer, false) as condition_step2_low,
        coalesce(step2ck_score >= $step2_low::integer
            and step2ck_score < $step2_target::integer, false) as condition_step2_below_target,
        step2ck_score is null and is_ready_stage and (step2ck_date is null
            or step2ck_date + $score_release_days::integer > date_review_opens)
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
    from timing
),

-- Each rule's column holds its severity when raised, else 'clear' or 'unknown'.
states as (
    select
        *,
        rule_state(condition_step1_fail, 'critical') as STEP1_FAIL,
        rule_state(condition_step1_not_taken,
            case when stage = 'clinical' then 'warning' else 'critical' end) as STEP1_NOT_TAKEN,
        rule_state(condition_step2_fail, 'critical') as STEP2_FAIL,
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

final as (
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
)

select * from final
