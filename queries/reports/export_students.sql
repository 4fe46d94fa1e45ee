-- The flagged students as exported: the leading columns, each rule's state, recommendations, the next step and its date, the student's calendar, the input fields, the file's other columns.
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
        cycle_status,
        match_year,
        ($item_labels::varchar[])[list_position($item_ids::varchar[], next_item)] as next_step,
        next_item as next_step_item,
        strftime(next_step_due, '%Y-%m-%d') as next_step_due,
        strftime(next_step_useful_until, '%Y-%m-%d') as next_step_useful_until,
        next_step_estimated as next_step_date_estimated,
        -- One column per rule (upper-case ids), in the catalogue's order.
        columns('^[A-Z][A-Z0-9_]+$'),
        recommendations,
        cycle,
        strftime(date_first_review, '%Y-%m-%d') as first_review,
        strftime(date_review_opens, '%Y-%m-%d') as review_opens,
        strftime(date_latest_sitting, '%Y-%m-%d') as latest_step2ck_sitting,
        strftime(date_exam_deadline, '%Y-%m-%d') as exam_deadline,
        strftime(date_rank_list, '%Y-%m-%d') as rank_list_deadline,
        strftime(date_match_day, '%Y-%m-%d') as match_day,
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
        columns('^source_row$|^extra_[0-9]+$')
    from students
)

select * from final
