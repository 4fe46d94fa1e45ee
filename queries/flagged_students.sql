-- Every student with each rule's state and severity, then band, strategy, risk level, flags and unknown (SPEC 3-4).
with students as (
    select * from canonical_students
),

facts as (
    select
        *,
        stage is null or stage in ('final_year', 'applying') as is_ready_stage,
        len(list_filter(practice_scores, lambda score: score < $practice_low))
            as count_low_practice_scores,
        coalesce(us_plastics_lors, 0) >= $us_plastics_lors_min
            and coalesce(publications, 0) + coalesce(presentations, 0) >= $strong_research_min
            as is_strong_profile
    from students
),

-- Each condition is SQL three-valued: true raises the rule, false clears it, NULL is unknown.
conditions as (
    select
        *,
        case
            when step1_result is not null
                then step1_result = 'fail' or coalesce(step1_attempts, 1) >= 2
            else step1_attempts >= 2
        end as is_step1_fail,
        coalesce(step2ck_score < $step2_low, false) as is_step2_low,
        coalesce(step2ck_score >= $step2_low and step2ck_score < $step2_target, false)
            as is_step2_below_target,
        step2ck_score is null
            and is_ready_stage
            and (step2ck_date is null or step2ck_date > $eras_opens) as is_step2_pending,
        case
            when step2ck_score is not null then false
            when coalesce(len(practice_scores), 0) = 0 then null
            else count_low_practice_scores >= $practice_low_count
        end as is_practice_low,
        us_plastics_lors < $us_plastics_lors_min as is_us_plastics_lors_missing,
        surgery_lors < $surgery_lors_min as is_surgery_lor_missing,
        publications = 0 and presentations = 0 as is_no_plastics_research,
        us_plastics_subis = 0 as is_no_us_plastics_subi,
        not parallel_plan as is_no_parallel_plan
    from facts
),

states as (
    select
        *,
        case when is_step1_fail then 'critical' when not is_step1_fail then 'clear'
            else 'unknown' end as STEP1_FAIL,
        case when is_step2_low then 'critical' else 'clear' end as STEP2_LOW,
        case when is_step2_below_target then 'warning' else 'clear' end as STEP2_BELOW_TARGET,
        case when is_step2_pending then 'warning' else 'clear' end as STEP2_PENDING,
        case when is_practice_low then 'warning' when not is_practice_low then 'clear'
            else 'unknown' end as PRACTICE_LOW,
        case
            when is_us_plastics_lors_missing and not is_ready_stage then 'info'
            when is_us_plastics_lors_missing and us_plastics_lors = 0 then 'critical'
            when is_us_plastics_lors_missing then 'warning'
            when not is_us_plastics_lors_missing then 'clear'
            else 'unknown'
        end as US_PLASTICS_LORS_MISSING,
        case
            when is_surgery_lor_missing then (case when is_ready_stage then 'warning' else 'info' end)
            when not is_surgery_lor_missing then 'clear'
            else 'unknown'
        end as SURGERY_LOR_MISSING,
        case
            when is_no_plastics_research then (case when is_ready_stage then 'warning' else 'info' end)
            when not is_no_plastics_research then 'clear'
            else 'unknown'
        end as NO_PLASTICS_RESEARCH,
        case
            when is_no_us_plastics_subi then (case when is_ready_stage then 'warning' else 'info' end)
            when not is_no_us_plastics_subi then 'clear'
            else 'unknown'
        end as NO_US_PLASTICS_SUBI,
        case
            when is_no_parallel_plan and (is_step1_fail or is_step2_low) then 'critical'
            when is_no_parallel_plan then 'warning'
            when not is_no_parallel_plan then 'clear'
            else 'unknown'
        end as NO_PARALLEL_PLAN
    from conditions
),

-- The rule states in catalogue order, read three times by the severity counts.
rule_states as (
    select
        *,
        [
            STEP1_FAIL, STEP2_LOW, STEP2_BELOW_TARGET, STEP2_PENDING, PRACTICE_LOW,
            US_PLASTICS_LORS_MISSING, SURGERY_LOR_MISSING, NO_PLASTICS_RESEARCH,
            NO_US_PLASTICS_SUBI, NO_PARALLEL_PLAN
        ] as rule_state_list
    from states
),

final as (
    select
        *,
        case
            when step2ck_score is null then 'unknown'
            when step2ck_score >= $step2_highly_competitive then 'highly_competitive'
            when step2ck_score >= $step2_target then 'competitive'
            when step2ck_score >= $step2_low then 'borderline'
            else 'low'
        end as band,
        case
            when step2ck_score is null then 'pending'
            when is_step1_fail is true then (
                case when step2ck_score >= $aggressive_min and is_strong_profile
                    then 'targeted_integrated' else 'general_surgery_first' end
            )
            when step2ck_score >= $aggressive_min and is_strong_profile then 'aggressive_integrated'
            when step2ck_score >= $targeted_min then 'targeted_integrated'
            else 'general_surgery_first'
        end as strategy,
        len(list_filter(rule_state_list, lambda state: state = 'critical')) as count_critical,
        len(list_filter(rule_state_list, lambda state: state = 'warning')) as count_warning,
        len(list_filter(rule_state_list, lambda state: state = 'info')) as count_info,
        case
            when count_critical > 0 then 'high'
            when count_warning > 0 then 'moderate'
            else 'low'
        end as risk_level,
        -- concat_ws skips the NULL of a rule that is not raised (or not unknown).
        concat_ws(
            ';',
            if_raised(STEP1_FAIL, 'STEP1_FAIL'),
            if_raised(STEP2_LOW, 'STEP2_LOW'),
            if_raised(STEP2_BELOW_TARGET, 'STEP2_BELOW_TARGET'),
            if_raised(STEP2_PENDING, 'STEP2_PENDING'),
            if_raised(PRACTICE_LOW, 'PRACTICE_LOW'),
            if_raised(US_PLASTICS_LORS_MISSING, 'US_PLASTICS_LORS_MISSING'),
            if_raised(SURGERY_LOR_MISSING, 'SURGERY_LOR_MISSING'),
            if_raised(NO_PLASTICS_RESEARCH, 'NO_PLASTICS_RESEARCH'),
            if_raised(NO_US_PLASTICS_SUBI, 'NO_US_PLASTICS_SUBI'),
            if_raised(NO_PARALLEL_PLAN, 'NO_PARALLEL_PLAN')
        ) as flags,
        concat_ws(
            ';',
            if_unknown(STEP1_FAIL, 'STEP1_FAIL'),
            if_unknown(STEP2_LOW, 'STEP2_LOW'),
            if_unknown(STEP2_BELOW_TARGET, 'STEP2_BELOW_TARGET'),
            if_unknown(STEP2_PENDING, 'STEP2_PENDING'),
            if_unknown(PRACTICE_LOW, 'PRACTICE_LOW'),
            if_unknown(US_PLASTICS_LORS_MISSING, 'US_PLASTICS_LORS_MISSING'),
            if_unknown(SURGERY_LOR_MISSING, 'SURGERY_LOR_MISSING'),
            if_unknown(NO_PLASTICS_RESEARCH, 'NO_PLASTICS_RESEARCH'),
            if_unknown(NO_US_PLASTICS_SUBI, 'NO_US_PLASTICS_SUBI'),
            if_unknown(NO_PARALLEL_PLAN, 'NO_PARALLEL_PLAN')
        ) as unknown
    from rule_states
)

select * exclude (rule_state_list) from final
