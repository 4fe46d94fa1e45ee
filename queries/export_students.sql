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
        array_to_string(
            list_transform(
                string_split(nullif(flags, ''), ';'),
                lambda rule_id: map($rule_ids, $rule_actions)[rule_id]
            ),
            '; '
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
