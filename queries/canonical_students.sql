-- One typed row per uploaded row: every canonical field read from its text, with the cells that could not be read.
with source as (
    select * from raw_canonical
),

-- Every cell trimmed once; an empty cell is NULL.
cells as (
    select
        source_row,
        cell_text(student_id) as text_student_id,
        cell_text(name) as text_name,
        cell_text(email) as text_email,
        cell_text(class_year) as text_class_year,
        cell_text(stage) as text_stage,
        cell_text(campus) as text_campus,
        cell_text(advisor) as text_advisor,
        cell_text(step1_result) as text_step1_result,
        cell_text(step1_attempts) as text_step1_attempts,
        cell_text(step2ck_score) as text_step2ck_score,
        cell_text(step2ck_date) as text_step2ck_date,
        cell_text(practice_scores) as text_practice_scores,
        cell_text(us_plastics_lors) as text_us_plastics_lors,
        cell_text(surgery_lors) as text_surgery_lors,
        cell_text(publications) as text_publications,
        cell_text(presentations) as text_presentations,
        cell_text(us_plastics_subis) as text_us_plastics_subis,
        cell_text(research_year) as text_research_year,
        cell_text(parallel_plan) as text_parallel_plan,
        source.* exclude (
            source_row, student_id, name, email, class_year, stage, campus, advisor,
            step1_result, step1_attempts, step2ck_score, step2ck_date, practice_scores,
            us_plastics_lors, surgery_lors, publications, presentations, us_plastics_subis,
            research_year, parallel_plan
        )
    from source
),

-- Numeric cells read as numbers once.
numbers as (
    select
        *,
        text_number(text_class_year) as number_class_year,
        text_number(text_step1_attempts) as number_step1_attempts,
        text_number(text_step2ck_score) as number_step2ck_score,
        text_number(text_us_plastics_lors) as number_us_plastics_lors,
        text_number(text_surgery_lors) as number_surgery_lors,
        text_number(text_publications) as number_publications,
        text_number(text_presentations) as number_presentations,
        text_number(text_us_plastics_subis) as number_us_plastics_subis,
        score_list_of(text_practice_scores) as practice_score_tokens,
        enum_key(text_stage) as key_stage,
        enum_key(text_step1_result) as key_step1_result
    from cells
),

typed as (
    select
        *,
        coalesce(text_student_id, 'ROW-' || source_row) as student_id,
        text_name as name,
        text_email as email,
        whole_in(number_class_year, 1950, 2100) as class_year,
        stage_of(key_stage) as stage,
        text_campus as campus,
        text_advisor as advisor,
        step1_of(key_step1_result) as step1_result,
        whole_in(number_step1_attempts, 0, 999999) as step1_attempts,
        whole_in(number_step2ck_score, 1, 300) as step2ck_score,
        date_of(text_step2ck_date) as step2ck_date,
        case when len(list_filter(practice_score_tokens, lambda score: score is null)) = 0
            then practice_score_tokens end as practice_scores,
        whole_in(number_us_plastics_lors, 0, 999999) as us_plastics_lors,
        whole_in(number_surgery_lors, 0, 999999) as surgery_lors,
        whole_in(number_publications, 0, 999999) as publications,
        whole_in(number_presentations, 0, 999999) as presentations,
        whole_in(number_us_plastics_subis, 0, 999999) as us_plastics_subis,
        boolean_of(text_research_year) as research_year,
        boolean_of(text_parallel_plan) as parallel_plan
    from numbers
),

checked as (
    select
        *,
        text_student_id as given_student_id,
        -- Built only for a row with an unreadable cell: most rows have none.
        case when (text_class_year is not null and class_year is null)
            or (text_stage is not null and stage is null)
            or (text_step1_result is not null and step1_result is null)
            or (text_step1_attempts is not null and step1_attempts is null)
            or (text_step2ck_score is not null and step2ck_score is null)
            or (text_step2ck_date is not null and step2ck_date is null)
            or (text_practice_scores is not null and practice_scores is null)
            or (text_us_plastics_lors is not null and us_plastics_lors is null)
            or (text_surgery_lors is not null and surgery_lors is null)
            or (text_publications is not null and publications is null)
            or (text_presentations is not null and presentations is null)
            or (text_us_plastics_subis is not null and us_plastics_subis is null)
            or (text_research_year is not null and research_year is null)
            or (text_parallel_plan is not null and parallel_plan is null)
        then
            list_filter(
                [
                    {'field': 'class_year', 'value': text_class_year, 'problem': number_problem(
                        text_class_year, number_class_year, class_year, 'a year such as 2027',
                        'not a plausible year; expected e.g. 2027')},
                    {'field': 'stage', 'value': text_stage, 'problem': enum_problem(text_stage, stage,
                        'M1-M2/preclinical, M3/clinical, M4/final year, or applying/graduate')},
                    {'field': 'step1_result', 'value': text_step1_result, 'problem': enum_problem(
                        text_step1_result, step1_result, 'pass, fail or not taken')},
                    {'field': 'step1_attempts', 'value': text_step1_attempts, 'problem': count_problem(
                        text_step1_attempts, number_step1_attempts, step1_attempts)},
                    {'field': 'step2ck_score', 'value': text_step2ck_score, 'problem': number_problem(
                        text_step2ck_score, number_step2ck_score, step2ck_score,
                        'a Step 2 CK score from 1 to 300',
                        'score outside 1-300; expected a Step 2 CK score from 1 to 300')},
                    {'field': 'step2ck_date', 'value': text_step2ck_date, 'problem': case
                        when text_step2ck_date is not null and step2ck_date is null
                            then 'not a date; expected YYYY-MM-DD or M/D/YYYY' end},
                    {'field': 'practice_scores', 'value': text_practice_scores, 'problem': case
                        when text_practice_scores is not null and practice_scores is null then
                            'not a list of scores from 1 to 300 (separate them with ; , / or spaces)'
                        end},
                    {'field': 'us_plastics_lors', 'value': text_us_plastics_lors,
                        'problem': count_problem(
                            text_us_plastics_lors, number_us_plastics_lors, us_plastics_lors)},
                    {'field': 'surgery_lors', 'value': text_surgery_lors, 'problem': count_problem(
                        text_surgery_lors, number_surgery_lors, surgery_lors)},
                    {'field': 'publications', 'value': text_publications, 'problem': count_problem(
                        text_publications, number_publications, publications)},
                    {'field': 'presentations', 'value': text_presentations, 'problem': count_problem(
                        text_presentations, number_presentations, presentations)},
                    {'field': 'us_plastics_subis', 'value': text_us_plastics_subis,
                        'problem': count_problem(
                            text_us_plastics_subis, number_us_plastics_subis, us_plastics_subis)},
                    {'field': 'research_year', 'value': text_research_year, 'problem': enum_problem(
                        text_research_year, research_year, 'yes or no')},
                    {'field': 'parallel_plan', 'value': text_parallel_plan, 'problem': enum_problem(
                        text_parallel_plan, parallel_plan, 'yes or no')}
                ],
                lambda cell: cell.problem is not null
            )
        else [] end as cell_problems
    from typed
),

-- The working columns (text_*, number_*, key_*) stay behind; the unmapped extra_* columns go on.
final as (
    select
        columns(lambda name: not regexp_matches(name, '^(text|number|key)_|^practice_score_tokens$'))
    from checked
)

select * from final
