-- The flagged list as exported: SPEC 6's leading columns, per-rule severity, recommendations, the input fields, the unmapped columns, the thresholds used.
with students as (
    select * from export_scope
),

final as (
    select
        student_id,
        case when $hide_personal::boolean and name is not null then '•••' else name end as name,
        risk_level,
        band,
        strategy,
        flags,
        unknown,
        STEP1_FAIL,
        STEP2_LOW,
        STEP2_BELOW_TARGET,
        STEP2_PENDING,
        PRACTICE_LOW,
        US_PLASTICS_LORS_MISSING,
        SURGERY_LOR_MISSING,
        NO_PLASTICS_RESEARCH,
        NO_US_PLASTICS_SUBI,
        NO_PARALLEL_PLAN,
        -- Each raised rule's action, in catalogue order ($rule_actions is the catalogue's).
        concat_ws(
            '; ',
            if_raised(STEP1_FAIL, $rule_actions[1]),
            if_raised(STEP2_LOW, $rule_actions[2]),
            if_raised(STEP2_BELOW_TARGET, $rule_actions[3]),
            if_raised(STEP2_PENDING, $rule_actions[4]),
            if_raised(PRACTICE_LOW, $rule_actions[5]),
            if_raised(US_PLASTICS_LORS_MISSING, $rule_actions[6]),
            if_raised(SURGERY_LOR_MISSING, $rule_actions[7]),
            if_raised(NO_PLASTICS_RESEARCH, $rule_actions[8]),
            if_raised(NO_US_PLASTICS_SUBI, $rule_actions[9]),
            if_raised(NO_PARALLEL_PLAN, $rule_actions[10])
        ) as recommendations,
        case when $hide_personal::boolean and email is not null then '•••' else email end
            as email,
        class_year,
        stage,
        campus,
        advisor,
        step1_result,
        step1_attempts,
        step2ck_score,
        strftime(step2ck_date, '%Y-%m-%d') as step2ck_date,
        array_to_string(practice_scores, ';') as practice_scores,
        us_plastics_lors,
        surgery_lors,
        publications,
        presentations,
        us_plastics_subis,
        research_year,
        parallel_plan,
        columns('^source_row$|^extra_[0-9]+$'),
        $step2_low::integer as threshold_step2_low,
        $step2_target::integer as threshold_step2_target,
        $step2_highly_competitive::integer as threshold_step2_highly_competitive,
        $aggressive_min::integer as threshold_aggressive_min,
        $targeted_min::integer as threshold_targeted_min,
        $us_plastics_lors_min::integer as threshold_us_plastics_lors_min,
        $surgery_lors_min::integer as threshold_surgery_lors_min,
        $practice_low::integer as threshold_practice_low,
        $practice_low_count::integer as threshold_practice_low_count,
        $strong_research_min::integer as threshold_strong_research_min,
        strftime($eras_opens::date, '%Y-%m-%d') as threshold_eras_opens
    from students
)

select * from final
