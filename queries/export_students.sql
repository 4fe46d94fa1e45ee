-- The flagged list as exported: SPEC 6's leading columns, per-rule severity, recommendations, the input fields, the unmapped columns.
with students as (
    select * from export_scope
),

final as (
    select
        student_id,
        name,
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
        map($strategy_ids, $strategy_advice)[strategy] as strategy_advice,
        array_to_string(
            list_transform(
                string_split(nullif(flags, ''), ';'),
                lambda rule_id: map($rule_ids, $rule_advice)[rule_id]
            ),
            ' | '
        ) as recommendations,
        email,
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
        $thresholds as thresholds
    from students
)

select * from final
