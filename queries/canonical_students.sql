-- One typed row per uploaded row: every canonical field read from its text, with the cells that could not be read.
with source as (
    select * from raw_canonical
),

typed as (
    select
        source_row,
        cell_text(student_id) as given_student_id,
        coalesce(cell_text(student_id), 'ROW-' || source_row) as student_id,
        cell_text(name) as name,
        cell_text(email) as email,
        parse_year(class_year) as class_year,
        parse_stage(stage) as stage,
        cell_text(campus) as campus,
        cell_text(advisor) as advisor,
        parse_step1(step1_result) as step1_result,
        parse_count(step1_attempts) as step1_attempts,
        parse_score(step2ck_score) as step2ck_score,
        parse_date(step2ck_date) as step2ck_date,
        parse_score_list(practice_scores) as practice_scores,
        parse_count(us_plastics_lors) as us_plastics_lors,
        parse_count(surgery_lors) as surgery_lors,
        parse_count(publications) as publications,
        parse_count(presentations) as presentations,
        parse_count(us_plastics_subis) as us_plastics_subis,
        parse_boolean(research_year) as research_year,
        parse_boolean(parallel_plan) as parallel_plan,
        list_filter(
            [
                {'field': 'class_year', 'value': class_year, 'problem': year_problem(class_year)},
                {'field': 'stage', 'value': stage, 'problem': enum_problem(stage, parse_stage(stage),
                    'M1-M2/preclinical, M3/clinical, M4/final year, or applying/graduate')},
                {'field': 'step1_result', 'value': step1_result, 'problem': enum_problem(
                    step1_result, parse_step1(step1_result), 'pass, fail or not taken')},
                {'field': 'step1_attempts', 'value': step1_attempts,
                    'problem': count_problem(step1_attempts)},
                {'field': 'step2ck_score', 'value': step2ck_score,
                    'problem': score_problem(step2ck_score)},
                {'field': 'step2ck_date', 'value': step2ck_date,
                    'problem': date_problem(step2ck_date)},
                {'field': 'practice_scores', 'value': practice_scores,
                    'problem': score_list_problem(practice_scores)},
                {'field': 'us_plastics_lors', 'value': us_plastics_lors,
                    'problem': count_problem(us_plastics_lors)},
                {'field': 'surgery_lors', 'value': surgery_lors,
                    'problem': count_problem(surgery_lors)},
                {'field': 'publications', 'value': publications,
                    'problem': count_problem(publications)},
                {'field': 'presentations', 'value': presentations,
                    'problem': count_problem(presentations)},
                {'field': 'us_plastics_subis', 'value': us_plastics_subis,
                    'problem': count_problem(us_plastics_subis)},
                {'field': 'research_year', 'value': research_year, 'problem': enum_problem(
                    research_year, parse_boolean(research_year), 'yes or no')},
                {'field': 'parallel_plan', 'value': parallel_plan, 'problem': enum_problem(
                    parallel_plan, parse_boolean(parallel_plan), 'yes or no')}
            ],
            lambda cell: cell.problem is not null
        ) as cell_problems,
        source.* exclude (
            source_row, student_id, name, email, class_year, stage, campus, advisor,
            step1_result, step1_attempts, step2ck_score, step2ck_date, practice_scores,
            us_plastics_lors, surgery_lors, publications, presentations, us_plastics_subis,
            research_year, parallel_plan
        )
    from source
),

final as (
    select
        *,
        count(*) over (partition by student_id) as count_rows_with_id
    from typed
    order by source_row
)

select * from final
