-- One typed row per uploaded row: every canonical field read from its text, and each cell that was read with a guess or could not be read.
with source as (
    select * from raw_canonical
),

-- Every cell trimmed once; a blank cell or a placeholder (n/a, TBD, ?) is NULL.
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

-- Numbers read once per cell; enum cells keyed once (letters and digits, lower case).
numbers as (
    select
        *,
        number_of(text_class_year) as number_class_year,
        number_of(text_step1_attempts) as number_step1_attempts,
        score_number_of(text_step2ck_score) as number_step2ck_score,
        count_of(text_us_plastics_lors, false) as number_us_plastics_lors,
        count_of(text_surgery_lors, false) as number_surgery_lors,
        count_of(text_publications, false) as number_publications,
        count_of(text_presentations, false) as number_presentations,
        count_of(text_us_plastics_subis, true) as number_us_plastics_subis,
        score_list_of(text_practice_scores) as practice_score_tokens,
        -- An a/b/yyyy date's parts, found once per cell (read in its column's order below).
        slash_date_parts(text_step2ck_date) as date_parts_step2ck,
        -- The date written in a score cell, found once: the reading below takes it whole.
        case when text_step2ck_date is null and not plain_number(text_step2ck_score) then
            date_text_in(readable(text_step2ck_score))
        end as date_text_beside_score,
        case when not plain_number(text_class_year) then graduation_year_in(text_class_year)
        end as number_graduation_in_class_year,
        enum_key(text_stage) as key_stage,
        enum_key(text_step1_result) as key_step1_result,
        enum_key(text_research_year) as key_research_year,
        enum_key(text_parallel_plan) as key_parallel_plan
    from cells
),

-- What the workspace's value readings say a cell means ("Gen Surg" means yes), by field.
-- A date in its column's order ($date_order); with the date cell blank, the date written
-- beside the score (`241 (7/14/26)`).
readings as (
    select
        *,
        date_in_range(case when date_parts_step2ck.first <> ''
            then date_from_parts(date_parts_step2ck, $date_order)
            else date_of(text_step2ck_date) end) as date_step2ck,
        date_in_range(coalesce(date_in_order(date_text_beside_score, 'mixed'),
                               date_in_order(date_text_beside_score, $date_order)))
            as date_step2ck_beside_score,
        reading_of($value_readings, 'stage', key_stage) as read_stage,
        reading_of($value_readings, 'step1_result', key_step1_result) as read_step1_result,
        reading_of($value_readings, 'research_year', key_research_year) as read_research_year,
        reading_of($value_readings, 'parallel_plan', key_parallel_plan) as read_parallel_plan
    from numbers
),

-- The two enum fields other fields are read from, read once: a field read in the same select
-- as the fields that use it would be copied into each of them (DuckDB expands an alias in
-- place), and the typing query would take several times as long to plan.
enums as (
    select
        *,
        coalesce(stage_of(key_stage), read_stage, stage_of(first_word_key(text_stage)),
                 stage_of(first_two_words_key(text_stage))) as enum_stage,
        coalesce(step1_of(key_step1_result), read_step1_result,
                 step1_of(first_word_key(text_step1_result)),
                 step1_of(first_two_words_key(text_step1_result)),
                 step1_in_words(readable(text_step1_result))) as enum_step1_result
    from readings
),

-- The attempts a Step 1 cell names (`P - 2nd attempt`), when the attempts cell is blank or
-- says fewer: a pass so written is never a first-attempt pass.
attempts as (
    select
        *,
        case when step1_of(key_step1_result) is null then
            step1_attempts_written(readable(text_step1_result), enum_step1_result)
        end as written_step1_attempts
    from enums
),

-- Each field typed; `plain_*` says the whole cell was the value, with nothing to interpret.
typed as (
    select
        *,
        -- An id of invisible characters alone (a no-break space, a tab) is no id.
        case when not is_excel_error(text_student_id) and student_key(text_student_id) <> ''
            then text_student_id end as given_student_id,
        coalesce(given_student_id, 'ROW-' || source_row) as student_id,
        case when not is_excel_error(text_name) then text_name end as name,
        case when not is_excel_error(text_email) then text_email end as email,
        case when number_graduation_in_class_year is null
            then whole_in(number_class_year, 2000, 2099) end as class_year,
        plain_number(text_class_year) as plain_class_year,
        enum_stage as stage,
        stage_of(key_stage) is not null as plain_stage,
        -- The year a graduate graduated: the class year column under a graduation-year
        -- header ($class_year_is_graduation), or `Grad 2026` written in a cell.
        coalesce(case when $class_year_is_graduation then class_year end,
                 number_graduation_in_class_year,
                 case when enum_stage = 'applying' and not plain_stage
                     then graduation_year_in(text_stage) end)
            as graduation_year,
        $class_year_is_graduation and enum_stage = 'applying' and class_year < $match_under_way
            as is_graduate_class_year,
        coalesce(footer_text(row_first_cell), false)
            or (text_student_id is null and coalesce(row_only_numbers, false))
            as is_footer_candidate,
        case when not is_excel_error(text_campus) then text_campus end as campus,
        case when not is_excel_error(text_advisor) then text_advisor end as advisor,
        enum_step1_result as step1_result,
        step1_of(key_step1_result) is not null as plain_step1_result,
        greatest(whole_in(number_step1_attempts, 0, 999), written_step1_attempts)
            as step1_attempts,
        plain_number(text_step1_attempts) as plain_step1_attempts,
        whole_in(number_step2ck_score, 1, 300) as step2ck_score,
        plain_number(text_step2ck_score) as plain_step2ck_score,
        coalesce(date_step2ck, date_step2ck_beside_score) as step2ck_date,
        not date_two_digit_year(text_step2ck_date)
            and not ($date_order = 'mixed' and date_parts_step2ck.first <> '')
            as plain_step2ck_date,
        case when len(practice_score_tokens) > 0 then practice_score_tokens end
            as practice_scores,
        plain_score_list(text_practice_scores, practice_score_tokens) as plain_practice_scores,
        whole_in(number_us_plastics_lors, 0, 999) as us_plastics_lors,
        plain_number(text_us_plastics_lors) as plain_us_plastics_lors,
        whole_in(number_surgery_lors, 0, 999) as surgery_lors,
        plain_number(text_surgery_lors) as plain_surgery_lors,
        whole_in(number_publications, 0, 999) as publications,
        plain_number(text_publications) as plain_publications,
        whole_in(number_presentations, 0, 999) as presentations,
        plain_number(text_presentations) as plain_presentations,
        whole_in(number_us_plastics_subis, 0, 999) as us_plastics_subis,
        plain_number(text_us_plastics_subis) as plain_us_plastics_subis,
        coalesce(number_boolean(text_research_year), boolean_of(key_research_year),
                 mark_of(text_research_year), boolean_of(read_research_year),
                 boolean_of(first_word_key(text_research_year))) as research_year,
        coalesce(number_boolean(text_research_year), boolean_of(key_research_year),
                 mark_of(text_research_year)) is not null as plain_research_year,
        coalesce(number_boolean(text_parallel_plan), boolean_of(key_parallel_plan),
                 mark_of(text_parallel_plan), boolean_of(read_parallel_plan),
                 boolean_of(first_word_key(text_parallel_plan)), backup_of(key_parallel_plan),
                 backup_of(first_word_key(text_parallel_plan)),
                 backup_of(first_two_words_key(text_parallel_plan))) as parallel_plan,
        coalesce(number_boolean(text_parallel_plan), boolean_of(key_parallel_plan),
                 mark_of(text_parallel_plan)) is not null as plain_parallel_plan
    from attempts
),

checked as (
    select
        *,
        -- Built only for a row with a cell to report: most rows have none.
        case when (text_name is not null and name is null)
            or (text_email is not null and email is null)
            or (text_campus is not null and campus is null)
            or (text_advisor is not null and advisor is null)
            or (text_class_year is not null and (class_year is null or not plain_class_year))
            or is_graduate_class_year
            or (text_stage is not null and (stage is null or not plain_stage))
            or (text_step1_result is not null
                and (step1_result is null or not plain_step1_result
                     or written_step1_attempts is not null))
            or (text_step1_attempts is not null
                and (step1_attempts is null or not plain_step1_attempts))
            or (text_step2ck_score is not null
                and (step2ck_score is null or not plain_step2ck_score))
            or (text_step2ck_date is not null
                and (step2ck_date is null or not plain_step2ck_date))
            or (text_practice_scores is not null
                and (practice_scores is null or not plain_practice_scores))
            or (text_us_plastics_lors is not null
                and (us_plastics_lors is null or not plain_us_plastics_lors))
            or (text_surgery_lors is not null
                and (surgery_lors is null or not plain_surgery_lors))
            or (text_publications is not null
                and (publications is null or not plain_publications))
            or (text_presentations is not null
                and (presentations is null or not plain_presentations))
            or (text_us_plastics_subis is not null
                and (us_plastics_subis is null or not plain_us_plastics_subis))
            or (text_research_year is not null
                and (research_year is null or not plain_research_year))
            or (text_parallel_plan is not null
                and (parallel_plan is null or not plain_parallel_plan))
        then
            list_filter(
                [
                    {'field': 'name', 'value': text_name, 'issue': cell_issue(
                        text_name, name, true, '', '')},
                    {'field': 'email', 'value': text_email, 'issue': cell_issue(
                        text_email, email, true, '', '')},
                    {'field': 'class_year', 'value': text_class_year, 'issue': cell_issue(
                        text_class_year, coalesce(class_year, number_graduation_in_class_year),
                        plain_class_year and not coalesce(is_graduate_class_year, false),
                        number_problem(text_class_year, 'a Match year such as 2027', 2000, 2099),
                        case
                            when number_graduation_in_class_year is not null
                                then 'read as a graduation year, '
                                    || number_graduation_in_class_year || ', not a Match year'
                            when is_graduate_class_year
                                then 'a graduation year before the Match under way ('
                                    || $match_under_way || '), for an applying student: the '
                                    || 'year they graduated, not their Match year; their Match '
                                    || 'year is the Match under way'
                            else 'read as ' || class_year end)},
                    {'field': 'stage', 'value': text_stage, 'issue': cell_issue(
                        text_stage, stage, plain_stage,
                        'not a stage; expected M1-M2/preclinical, M3/clinical, M4/final year, '
                            || 'or applying/graduate',
                        'read as ' || replace(stage, '_', ' ') || coalesce(
                            saved_reading(read_stage), ' from its first words')
                            || coalesce(', graduated in ' || graduation_year_in(text_stage)
                                || ' (a graduation year, not a Match year)', ''))},
                    {'field': 'campus', 'value': text_campus, 'issue': cell_issue(
                        text_campus, campus, true, '', '')},
                    {'field': 'advisor', 'value': text_advisor, 'issue': cell_issue(
                        text_advisor, advisor, true, '', '')},
                    {'field': 'step1_result', 'value': text_step1_result, 'issue': cell_issue(
                        text_step1_result, step1_result, plain_step1_result,
                        'not a Step 1 result; expected pass, fail or not taken'
                            || coalesce('; the attempts it names read as Step 1 attempts '
                                || written_step1_attempts, ''),
                        'read as ' || replace(step1_result, '_', ' ') || coalesce(
                            saved_reading(read_step1_result),
                            case when step1_of(key_step1_result) is not null then ''
                                when step1_of(first_word_key(text_step1_result)) is not null
                                    or step1_of(first_two_words_key(text_step1_result))
                                        is not null then ' from its first words'
                                else ' from the result it names' end)
                            || coalesce(', on attempt ' || written_step1_attempts
                                || ' as the cell says: Step 1 attempts read as '
                                || step1_attempts || ' (never a first-attempt pass)', ''))},
                    {'field': 'step1_attempts', 'value': text_step1_attempts,
                        'issue': cell_issue(
                            text_step1_attempts, step1_attempts, plain_step1_attempts,
                            number_problem(text_step1_attempts, 'a count of 0 or more', 0, 999),
                            'read as ' || step1_attempts || ' (its only number)')},
                    {'field': 'step2ck_score', 'value': text_step2ck_score, 'issue': cell_issue(
                        text_step2ck_score, step2ck_score, plain_step2ck_score,
                        number_problem(text_step2ck_score, 'a Step 2 CK score from 1 to 300',
                                       1, 300),
                        'read as ' || step2ck_score || coalesce(
                            ', and the date beside it as the Step 2 CK date, '
                                || strftime(date_step2ck_beside_score, '%Y-%m-%d')
                                || ' (the date cell is blank)',
                            case when date_text_in(text_step2ck_score) is not null
                                then ' (the number beside its date)' end,
                            ' (its only number)'))},
                    {'field': 'step2ck_date', 'value': text_step2ck_date, 'issue': cell_issue(
                        text_step2ck_date, step2ck_date, plain_step2ck_date,
                        case
                            when date_undecided(text_step2ck_date, $date_order)
                                then 'the day and the month cannot be told apart: this column '
                                    || 'writes dates both day-first and month-first'
                            when date_in_order(text_step2ck_date, $date_order) is not null
                                then 'a year outside 2000-2099; expected a date such as '
                                    || '2027-06-15'
                            when $date_order <> 'mixed' and date_in_order(text_step2ck_date,
                                    case $date_order when 'dmy' then 'mdy' else 'dmy' end)
                                    is not null
                                then 'not a date in this column''s order ('
                                    || case $date_order when 'dmy' then 'day first'
                                        else 'month first' end || ')'
                            else 'not a date; expected YYYY-MM-DD, M/D/YYYY, M/D/YY, '
                                || '15-Oct-2027 or Oct 15, 2027' end,
                        case when $date_order = 'mixed'
                                and slash_date_parts(text_step2ck_date).first <> ''
                            then 'read as ' || strftime(step2ck_date, '%-d %B %Y')
                                || ': this column writes dates both ways, and a part over 12 '
                                || 'can only be the day'
                            else 'two-digit year: read as ' || strftime(step2ck_date, '%Y-%m-%d')
                        end)},
                    {'field': 'practice_scores', 'value': text_practice_scores,
                        'issue': cell_issue(
                            text_practice_scores, practice_scores, plain_practice_scores,
                            'no practice score from 150 to 300 in the cell',
                            'read as ' || array_to_string(practice_scores, ', ')
                                || ' (every number from 150 to 300 in the cell)')},
                    {'field': 'us_plastics_lors', 'value': text_us_plastics_lors,
                        'issue': cell_issue(
                            text_us_plastics_lors, us_plastics_lors, plain_us_plastics_lors,
                            number_problem(text_us_plastics_lors, 'a count of 0 or more', 0, 999),
                            'read as ' || us_plastics_lors || count_reading(text_us_plastics_lors, false))},
                    {'field': 'surgery_lors', 'value': text_surgery_lors, 'issue': cell_issue(
                        text_surgery_lors, surgery_lors, plain_surgery_lors,
                        number_problem(text_surgery_lors, 'a count of 0 or more', 0, 999),
                        'read as ' || surgery_lors || count_reading(text_surgery_lors, false))},
                    {'field': 'publications', 'value': text_publications, 'issue': cell_issue(
                        text_publications, publications, plain_publications,
                        number_problem(text_publications, 'a count of 0 or more', 0, 999),
                        'read as ' || publications || count_reading(text_publications, false))},
                    {'field': 'presentations', 'value': text_presentations, 'issue': cell_issue(
                        text_presentations, presentations, plain_presentations,
                        number_problem(text_presentations, 'a count of 0 or more', 0, 999),
                        'read as ' || presentations || count_reading(text_presentations, false))},
                    {'field': 'us_plastics_subis', 'value': text_us_plastics_subis,
                        'issue': cell_issue(
                            text_us_plastics_subis, us_plastics_subis, plain_us_plastics_subis,
                            number_problem(text_us_plastics_subis, 'a count of 0 or more',
                                           0, 999),
                            'read as ' || us_plastics_subis
                                || count_reading(text_us_plastics_subis, true))},
                    {'field': 'research_year', 'value': text_research_year, 'issue': cell_issue(
                        text_research_year, research_year, plain_research_year,
                        'not yes or no',
                        'read as ' || case when research_year then 'yes' else 'no' end
                            || coalesce(saved_reading(read_research_year),
                                        ' from its first word'))},
                    {'field': 'parallel_plan', 'value': text_parallel_plan, 'issue': cell_issue(
                        text_parallel_plan, parallel_plan, plain_parallel_plan,
                        'not yes or no, nor a backup specialty',
                        'read as ' || case when parallel_plan then 'yes' else 'no' end
                            || case
                                when read_parallel_plan is not null
                                    then saved_reading(read_parallel_plan)
                                when boolean_of(first_word_key(text_parallel_plan)) is not null
                                    then ' from its first word'
                                when parallel_plan then ' (a backup specialty or track)'
                                else ' (no backup)' end)}
                ],
                lambda cell: cell.issue is not null
            )
        else [] end as cell_problems
    from typed
),

-- The working columns (text_*, number_*, key_*, plain_*, enum_*...) stay behind; extra_* go on.
final as (
    select
        columns(lambda name: not regexp_matches(
            name, '^(text|number|key|plain|date|read|written|enum)_|^practice_score_tokens$'
                || '|^is_graduate_class_year$')),
        text_student_id as raw_student_id
    from checked
)

select * from final
