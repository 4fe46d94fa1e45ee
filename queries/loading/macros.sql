-- Cell parsers shared by every query. Each takes text already trimmed by cell_text (or the
-- number read from it once), so that a million rows parse every cell a single time.

-- A row of blank cells is no student: a cell counts when it holds something other than space,
-- tab, line feed, carriage return, vertical tab, form feed or no-break space. One pattern over
-- the row's cells run together (concat skips NULLs) costs a fifth of a trim per cell.
create or replace macro row_has_content(joined_cells) as
    regexp_matches(joined_cells, '[^ \t\n\r\x{0B}\x{0C}\x{A0}]');

-- A cell with the spaces at its edges dropped, or NULL when nothing is left. Only a cell that
-- starts or ends with a space pays for the trim; tabs are kept (trimming them too costs three
-- times as much over a million rows).
create or replace macro trimmed(value) as
    case
        when starts_with(value, ' ') or ends_with(value, ' ') then nullif(trim(value), '')
        else nullif(value, '')
    end;

-- Trimmed text, or NULL when it is a placeholder (`n/a`, `TBD`, `?`, `-`...): placeholders
-- are missing values, not data issues. Each placeholder starts with n, t, u, ? or -, so the
-- first character alone clears almost every cell.
create or replace macro not_placeholder(text) as
    case
        when unicode(text) in (110, 78, 116, 84, 117, 85, 63, 45) and strlen(text) <= 12
            and lower(replace(text, ' ', '')) in ('n/a', 'na', 'tbd', 'unknown', '?', '-', '--')
            then null
        else text
    end;

-- A cell as text: trimmed, and NULL when blank or a placeholder.
create or replace macro cell_text(value) as not_placeholder(trimmed(value));

-- An Excel error value, as an error cell (the reader writes its text) or typed as text. Every
-- one starts with #, which spares the other cells the upper-casing and the list.
create or replace macro is_excel_error(text) as
    starts_with(text, '#') and upper(text) in (
        '#N/A', '#VALUE!', '#DIV/0!', '#REF!', '#NAME?', '#NUM!', '#NULL!', '#SPILL!',
        '#CALC!', '#GETTING_DATA', '#FIELD!', '#BLOCKED!', '#BUSY!', '#CONNECT!', '#UNKNOWN!'
    );

-- The text a reader may interpret: an Excel error value reads as nothing (so it is reported
-- as unreadable), never as the 0 of `#DIV/0!` or the N of `#N/A`.
create or replace macro readable(text) as
    case when is_excel_error(text) then null else text end;

-- A cell that is a number as a whole (245, 245.0, -1); `_` is refused, though DuckDB's cast
-- would read 2_45 as 245.
create or replace macro plain_number(text) as
    coalesce(not contains(text, '_') and isfinite(try_cast(text as double)), false);

-- The number in a cell: the cell itself when it is one, else its only number
-- (`230 (unofficial)` is 230); NULL with two numbers or none.
create or replace macro number_of(text) as
    case
        when plain_number(text) then try_cast(text as double)
        when len(regexp_extract_all(readable(text), '-?[0-9]+(?:\.[0-9]+)?')) = 1
            then regexp_extract(text, '-?[0-9]+(?:\.[0-9]+)?')::double
    end;

create or replace macro whole_in(number, low, high) as
    case when number between low and high and number = floor(number) then number::integer end;

-- Enum spellings are compared as lower-case letters and digits only: 'M.S.4' reads as 'ms4'.
create or replace macro enum_key(text) as
    regexp_replace(lower(readable(text)), '[^a-z0-9]', '', 'g');

-- The first word, and the first two words run together, for cells such as
-- `FAIL - retake 3/2026` (fail) or `Not taken yet` (not taken).
create or replace macro first_word_key(text) as
    lower(regexp_extract(readable(text), '^[^A-Za-z0-9]*([A-Za-z0-9]+)', 1));

create or replace macro first_two_words_key(text) as
    lower(regexp_extract(readable(text), '^[^A-Za-z0-9]*([A-Za-z0-9]+)[^A-Za-z0-9]+([A-Za-z0-9]+)', 1)
        || regexp_extract(text, '^[^A-Za-z0-9]*([A-Za-z0-9]+)[^A-Za-z0-9]+([A-Za-z0-9]+)', 2));

-- These take enum_key(text) (or a first-word key) and give NULL for anything else.
create or replace macro stage_of(key) as
    case
        when key in (
            'm1', 'm2', 'ms1', 'ms2', 'mi', 'mii', 'y1', 'y2', 'year1', 'year2', 'firstyear',
            'secondyear', 'preclinical', 'preclin', 'preclinicals', 'basicsciences',
            'basicscience', 'basicsci', 'bs', 'bms', 'premed', '1styear', '2ndyear', 'yr1', 'yr2',
            '1styr', '2ndyr'
        ) then 'preclinical'
        when key in (
            'm3', 'ms3', 'miii', 'y3', 'year3', 'thirdyear', 'clinical', 'clinicals',
            'coreclinical', 'clerkship', 'clerkships', 'coreclerkships', 'corerotations', 'core',
            '3rdyear', 'yr3', '3rdyr'
        ) then 'clinical'
        when key in (
            'm4', 'ms4', 'miv', 'y4', 'year4', 'fourthyear', 'finalyear', 'final', 'senior',
            'lateclinical', 'm4final', '4thyear', 'yr4', '4thyr'
        ) then 'final_year'
        when key in (
            'applying', 'applicant', 'application', 'applicationyear', 'graduate', 'graduated',
            'grad', 'reapplicant', 'reapplying', 'reapplication', 'postgraduate', 'postgrad',
            'img', 'alumni', 'alumnus', 'matchapplicant', 'eras'
        ) then 'applying'
    end;

create or replace macro step1_of(key) as
    case
        when key in ('pass', 'p', 'passed', 'passing') then 'pass'
        when key in ('fail', 'f', 'failed', 'failing') then 'fail'
        when key in (
            'nottaken', 'nt', 'pending', 'scheduled', 'notyettaken', 'notyet', 'planned',
            'booked', 'nottakenyet', 'notattempted', 'upcoming'
        ) then 'not_taken'
    end;

create or replace macro boolean_of(key) as
    case
        when key in ('yes', 'y', 'true', 't', '1', 'x') then true
        when key in ('no', 'n', 'false', 'f', '0') then false
    end;

-- A number as a yes/no: 1 (or 1.0) is yes, 0 is no, any other number is neither.
create or replace macro number_boolean(text) as
    case when plain_number(text) then
        case try_cast(text as double) when 1 then true when 0 then false end
    end;

-- A check mark is yes; enum_key would strip it.
create or replace macro mark_of(text) as
    case when text in ('✓', '✔', '☑', '✅') then true when text in ('✗', '✘', '☐') then false end;

-- The backup plan may be written as the backup itself: a specialty or track means yes.
create or replace macro backup_of(key) as
    case
        when key in (
            'gensurg', 'generalsurgery', 'gs', 'gsurg', 'surgery', 'categoricalgs',
            'categoricalsurgery', 'categoricalgeneralsurgery', 'categorical', 'prelim',
            'prelimsurgery', 'preliminary', 'preliminarysurgery', 'surgeryprelim', 'ortho',
            'orthopedics', 'orthopaedics', 'orthopedicsurgery', 'orthopaedicsurgery', 'ent',
            'otolaryngology', 'oto', 'im', 'internalmedicine', 'medicine', 'em',
            'emergencymedicine', 'neurosurgery', 'nsgy', 'urology', 'uro', 'vascular',
            'vascularsurgery', 'derm', 'dermatology', 'pmr', 'pmandr', 'physiatry',
            'fm', 'familymedicine', 'anesthesia', 'anesthesiology', 'radiology', 'ir',
            'ophthalmology', 'ophtho', 'obgyn', 'pathology', 'pediatrics', 'peds',
            'psychiatry', 'cardiothoracic', 'thoracic', 'ct', 'transitionalyear', 'ty'
        ) then true
        when key in ('none', 'nobackup', 'nobackupplan', 'noparallel', 'noparallelplan',
                     'nothing', 'plasticsonly', 'integratedonly') then false
    end;

-- Dates: ISO (with or without a time), M/D/YYYY, 15-Oct-2027, Oct 15, 2027; M/D/YY is read
-- as 20YY (date_two_digit_year). A year outside 2000-2099 is not a date here.
create or replace macro date_of(text) as
    case
        when regexp_full_match(text, '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9:.]+)?')
            then try_strptime(left(text, 10), '%Y-%m-%d')::date
        when regexp_full_match(text, '[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}')
            then try_strptime(text, '%Y/%m/%d')::date
        when regexp_full_match(text, '[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}( [0-9:.]+)?')
            then try_strptime(split_part(text, ' ', 1), '%m/%d/%Y')::date
        when date_two_digit_year(text)
            then try_strptime(regexp_replace(text, '/([0-9]{2})$', '/20\1'), '%m/%d/%Y')::date
        when regexp_full_match(text, '[0-9]{1,2}[- ][A-Za-z]{3,9}\.?[- ][0-9]{4}')
            then try_strptime(regexp_replace(replace(text, '.', ''), '[- ]', ' ', 'g'),
                              ['%d %b %Y', '%d %B %Y'])::date
        when regexp_full_match(text, '[A-Za-z]{3,9}\.? [0-9]{1,2},? [0-9]{4}')
            then try_strptime(replace(replace(text, ',', ''), '.', ''),
                              ['%b %d %Y', '%B %d %Y'])::date
    end;

create or replace macro date_two_digit_year(text) as
    regexp_full_match(text, '[0-9]{1,2}/[0-9]{1,2}/[0-9]{2}');

create or replace macro date_in_range(date) as
    case when year(date) between 2000 and 2099 then date end;

-- Practice scores: every whole number from 150 to 300 in the cell, whatever the labels.
create or replace macro score_list_of(text) as
    list_filter(
        list_transform(regexp_extract_all(readable(text), '[0-9]+(?:\.[0-9]+)?'),
                       lambda token: whole_in(token::double, 150, 300)),
        lambda score: score is not null
    );

-- Scores written only as numbers and separators, all of them in range: read with no issue.
create or replace macro plain_score_list(text, scores) as
    regexp_full_match(text, '[0-9]+([\s;,/|]+[0-9]+)*[\s;,/|]*')
        and len(scores) = len(regexp_extract_all(text, '[0-9]+'));

-- A data issue of one cell: NULL when the cell is empty or read plainly; else what kind of
-- issue it is and the problem in words. `unreadable` and `interpreted` are the two wordings.
create or replace macro cell_issue(text, value, is_plain, unreadable, interpreted) as
    case
        when text is null then null
        when value is null then {'kind': 'unreadable', 'problem': case
            when is_excel_error(text) then 'an Excel error value; treated as missing'
            else unreadable end}
        when not is_plain then {'kind': 'interpreted', 'problem': interpreted}
    end;

create or replace macro number_problem(text, expected, low, high) as
    case
        when number_of(text) is null and len(regexp_extract_all(text, '[0-9]+')) > 1
            then 'more than one number; expected ' || expected
        when number_of(text) is null then 'not a number; expected ' || expected
        when number_of(text) < 0 then 'a negative number; expected ' || expected
        when number_of(text) <> floor(number_of(text))
            then 'not a whole number; expected ' || expected
        when number_of(text) < low or number_of(text) > high
            then 'outside ' || low || '-' || high || '; expected ' || expected
        else 'cannot be read; expected ' || expected
    end;

-- Version 3 readings (README "Input"). A date written a/b/yyyy (or a/b/yy; / . or -) in the
-- order decided for its column: `dmy`, `mdy`, or `mixed` (each value by its own parts: a
-- part over 12 is the day; a value whose parts cannot tell is NULL, never a guess).
create or replace macro slash_date_parts(text) as
    regexp_extract(text, '^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4}|[0-9]{2})(?: [0-9:.]+)?$',
                   ['first', 'second', 'year']);

create or replace macro date_from_parts(parts, order_name) as
    case when parts.first <> '' then
        try_strptime(
            case when length(parts.year) = 2 then '20' || parts.year else parts.year end
            || '-' || case
                when order_name = 'dmy' then parts.second
                when order_name = 'mdy' then parts.first
                when parts.first::integer > 12 then parts.second
                when parts.second::integer > 12 or parts.first = parts.second then parts.first
            end
            || '-' || case
                when order_name = 'dmy' then parts.first
                when order_name = 'mdy' then parts.second
                when parts.first::integer > 12 then parts.first
                when parts.second::integer > 12 or parts.first = parts.second then parts.second
            end, '%Y-%m-%d')::date
    end;

-- A date cell in its column's order; every other written form as date_of reads it.
create or replace macro date_in_order(text, order_name) as
    case when slash_date_parts(text).first <> ''
        then date_from_parts(slash_date_parts(text), order_name)
        else date_of(text) end;

-- A value of a `mixed` column whose parts cannot tell the day from the month (3/10/2026).
create or replace macro date_undecided(text, order_name) as
    order_name = 'mixed' and slash_date_parts(text).first <> ''
        and slash_date_parts(text).first::integer <= 12
        and slash_date_parts(text).second::integer <= 12
        and slash_date_parts(text).first <> slash_date_parts(text).second;

-- A date written inside a score cell: `241 (7/14/26)`.
create or replace macro date_text_in(text) as
    nullif(regexp_extract(text, '([0-9]{1,2}[/.][0-9]{1,2}[/.](?:[0-9]{4}|[0-9]{2})|'
                          || '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})', 1), '');

-- A score with its date: the score is the one number left once the date is taken out.
create or replace macro score_number_of(text) as
    case
        when plain_number(text) then try_cast(text as double)
        when date_text_in(readable(text)) is not null
            then number_of(nullif(trim(replace(text, date_text_in(text), '')), ''))
        else number_of(text)
    end;

-- Counts written as words: `two` is 2, `none` and `nil` are 0. The key is looked up in a
-- list, so that it appears once in the expanded query: a CASE on it would copy the key's
-- expression into every branch, and binding and optimising the typing query pay for each copy.
create or replace macro count_word(key) as
    [0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10][list_position(
        ['zero', 'none', 'nil', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight',
         'nine', 'ten'], key)];

-- A part of a count not in hand yet: `1 pending`, `1 requested` (for sub-Is, which count done
-- or booked, `booked` and `scheduled` are in hand).
create or replace macro count_part_pending(part, is_subi) as
    regexp_matches(lower(part), '\b(pending|requested|request|awaiting|await|expected|asked|'
                   || 'promised|waiting|applied|applying|tbd|planned|maybe|possible|hoping|'
                   || 'waitlist|waitlisted|in progress)\b')
    or (not is_subi and regexp_matches(lower(part), '\b(booked|scheduled)\b'));

-- The number of one part of a count: a numeral, or a number word.
create or replace macro count_part_number(part) as
    coalesce(number_of(part), count_word(first_word_key(part)));

-- A count cell read as a person would: the cell's number, a number word, a sum of what is in
-- hand (`2 + 1 pending` is 2; for sub-Is `1 + 1 booked` is 2), the first number before a
-- qualifier in parentheses (`3 (1 first-author)` is 3), or for sub-Is a booking (`booked -
-- Emory` is 1).
create or replace macro count_of(text, is_subi) as
    case
        when plain_number(text) then try_cast(text as double)
        when readable(text) is null then null
        when count_word(enum_key(text)) is not null then count_word(enum_key(text))
        when contains(text, '+') then
            case when list_bool_or(list_transform(string_split(text, '+'),
                                                  lambda part: count_part_number(part) is null))
                then null
                else list_sum(list_transform(string_split(text, '+'), lambda part:
                    case when count_part_pending(part, is_subi) then 0
                         else count_part_number(part) end)) end
        when regexp_matches(text, '^\s*-?[0-9]+(\.[0-9]+)?\s*[(\[]')
            then regexp_extract(text, '^\s*(-?[0-9]+(?:\.[0-9]+)?)', 1)::double
        when count_word(first_word_key(text)) is not null
            and not regexp_matches(text, '[0-9]') then count_word(first_word_key(text))
        when is_subi and not regexp_matches(text, '[0-9]')
            and first_word_key(text) in ('booked', 'scheduled', 'confirmed', 'done',
                                         'completed', 'complete', 'accepted')
            then 1
        else number_of(text)
    end;

-- How count_of read a cell that is not a plain number, in words for its data issue.
create or replace macro count_reading(text, is_subi) as
    case
        when count_word(enum_key(text)) is not null then ' (a number written as a word)'
        when contains(text, '+') and is_subi
            then ' (the sum of the sub-Is done or booked; pending ones not counted)'
        when contains(text, '+') then ' (the sum of what is in hand; pending ones not counted)'
        when regexp_matches(text, '^\s*-?[0-9]+(\.[0-9]+)?\s*[(\[]')
            then ' (the first number; the rest is a qualifier)'
        when count_word(first_word_key(text)) is not null
            and not regexp_matches(text, '[0-9]') then ' (a number written as a word)'
        when is_subi and not regexp_matches(text, '[0-9]') then ' (one sub-I booked or done)'
        else ' (its only number)'
    end;

-- A Step 1 result found anywhere in the cell when its first words are not one (`repeat -
-- pass`, `3rd attempt: fail`); NULL when the cell names both or neither.
create or replace macro step1_in_words(text) as
    case
        when regexp_matches(lower(text), '\b(pass|passed|p)\b')
            and not regexp_matches(lower(text), '\b(fail|failed|f)\b') then 'pass'
        when regexp_matches(lower(text), '\b(fail|failed|f)\b')
            and not regexp_matches(lower(text), '\b(pass|passed|p)\b') then 'fail'
    end;

-- The attempts a Step 1 cell names (`P - 2nd attempt` 2, `pass (2 attempts)` 2, `F x2` 2,
-- `failed twice` 2, `3rd attempt: fail` 3; a pass on a retake or repeat at least 2); NULL
-- when it names none. A retake still to come (`FAIL - retake 3/2026`) counts no attempt.
create or replace macro step1_attempts_written(text, result) as
    case when regexp_matches(lower(text),
                             '[0-9]|attempt|retake|re-take|repeat|resit|re-sit|retook|twice|'
                             || 'thrice|times|second|third|fourth')
    then coalesce(
        try_cast(nullif(regexp_extract(lower(text),
            '([0-9]+)\s*(?:st|nd|rd|th)?\s*(?:attempt|try|tries|sitting|time)', 1), '')
            as integer),
        try_cast(nullif(regexp_extract(lower(text),
            '(?:attempt|try|sitting)\s*(?:no\.?|number|#)?\s*([0-9]+)', 1), '') as integer),
        try_cast(nullif(regexp_extract(lower(text), '(?:^|[^a-z0-9])x\s*([0-9])\b', 1), '')
            as integer),
        try_cast(nullif(regexp_extract(lower(text), '\b([0-9])\s*x\b', 1), '') as integer),
        case
            when regexp_matches(lower(text), '\b(fourth|four times|four attempts)\b') then 4
            when regexp_matches(lower(text), '\b(third|thrice|three times|three attempts)\b')
                then 3
            when regexp_matches(lower(text), '\b(second|twice|two times|two attempts)\b')
                then 2
        end,
        case when regexp_matches(lower(text), '\bre-?took\b|\b(on|after|at|via)\s+(a\s+|the\s+)?'
                                 || '(re-?take|repeat|re-?sit|re-?attempt)\b')
                or (result = 'pass' and regexp_matches(
                    lower(text), '\b(re-?take|repeat|repeated|re-?sit|re-?attempt)\b'))
            then 2 end)
    end;

-- A row after the students that sums them up: its first non-blank cell begins with Total,
-- Count, Sum, Average, Mean or N =.
create or replace macro footer_text(text) as
    regexp_matches(text, '(?i)^(total|count|sum|average|avg|mean)\b|^[nN]\s*=');

-- A row of numbers only (with their separators): with no id after the students, a footer.
create or replace macro only_numbers(joined_cells) as
    regexp_full_match(joined_cells, '[0-9 .,%$+\-\t]*') and regexp_matches(joined_cells, '[0-9]');

-- A name from its parts (`First Name`, `Preferred`, `Middle`, `Last Name`): "First Last",
-- the preferred name in parentheses when it differs from the first.
create or replace macro name_of_parts(first, preferred, middle, last) as
    nullif(concat_ws(' ',
        case when preferred is null or lower(preferred) = lower(coalesce(first, ''))
            then first when first is null then preferred
            else first || ' (' || preferred || ')' end,
        middle, last), '');

-- A graduation year written in a stage or class year cell (`Grad 2026`).
create or replace macro graduation_year_in(text) as
    case when regexp_matches(lower(text), '\b(grad|graduate|graduated|graduation|alum|alumni|'
                             || 'alumnus)\b')
        then try_cast(nullif(regexp_extract(text, '\b(20[0-9]{2})\b', 1), '') as integer) end;

-- Spreadsheets run a cell that starts with = + - @ tab or CR as a formula; a leading ' stops
-- that. Plain numbers such as -5 or 3.2 are left alone so that they stay numbers. The first
-- character is tested by its code point, half the cost of a regular expression over a
-- million-row export; the number pattern runs only on the few cells that start that way.
create or replace macro excel_safe(value) as
    case
        when unicode(value) in (61, 43, 45, 64, 9, 13)
            and not regexp_matches(value, '^[+-]?[0-9]+(\.[0-9]+)?$')
            then '''' || value
        else value
    end;

-- `value` (a rule's id or action) while the rule's state is raised (critical, warning or info),
-- or unknown; NULL otherwise, which concat_ws skips. The flags, unknown and recommendations
-- columns are built this way, without a list per student.
create or replace macro if_raised(state, value) as
    case when state in ('critical', 'warning', 'info') then value end;

create or replace macro if_unknown(state, value) as
    case when state = 'unknown' then value end;

-- A rule's state from its three-valued condition: its severity when raised, else clear or
-- unknown (queries/flagging/rule_states.sql).
create or replace macro rule_state(condition, severity) as
    case when condition then severity when not condition then 'clear' else 'unknown' end;

-- A severity that depends on the stage: one in the readiness stages, another before them.
create or replace macro by_stage(is_ready_stage, ready_severity, earlier_severity) as
    case when is_ready_stage then ready_severity else earlier_severity end;

-- The default day programs begin reviewing applications: the last Wednesday of September.
create or replace macro last_wednesday_of_september(year) as
    make_date(year::bigint, 9, 30) - ((dayofweek(make_date(year::bigint, 9, 30)) + 4) % 7)::integer;

-- A value of a list indexed by Match year (dashboard/config.py rule_params: first_year first).
create or replace macro by_year(values, year, first_year) as
    values[year - first_year + 1];

-- A readiness student's exam status for the Match of `deadline` (the last sitting whose
-- result is on file by the rank order list deadline), given whether each pass is on file.
create or replace macro exam_status(has_step1_pass, has_step2_pass, step2ck_score,
                                    step2ck_date, deadline, as_of) as
    case
        when has_step1_pass and has_step2_pass then 'ready'
        when as_of <= deadline then 'exams_due'
        when has_step1_pass and step2ck_score is null and step2ck_date <= deadline
            then 'exams_due'
        else 'out_of_cycle'
    end;

-- One status when every way a missing pass could go gives it, else unknown.
create or replace macro exam_status_known(first, second, third, fourth) as
    case when first = second and second = third and third = fourth then first
        else 'unknown' end;

-- One item of a student's plan (queries/planning/student_plan.sql): a task (done when the file
-- shows it), a reminder or a calendar event, as `kind` in dashboard/plan.py's PLAN_ITEMS; a
-- task missed can still be made up until `make_up_until` (NULL: at any time).
create or replace macro plan_item(item, kind, due_date, end_date, is_estimated, status,
                                  make_up_until) as
    {'item': item, 'kind': kind, 'due_date': due_date::date, 'end_date': end_date::date,
     'is_estimated': is_estimated::boolean, 'status': status::varchar,
     'make_up_until': make_up_until::date};

-- A task: NULL once the file shows it done (a missing value is never done), else due until
-- its last day and overdue after it.
create or replace macro plan_task(item, is_done, due_date, end_date, is_estimated,
                                  make_up_until, as_of) as
    case when is_done is not true then plan_item(item, 'task', due_date, end_date, is_estimated,
        case when coalesce(end_date, due_date) >= as_of then 'due' else 'overdue' end,
        make_up_until) end;

-- A reminder or a calendar event (`kind`): listed, as due, while its last day is still ahead.
create or replace macro plan_ahead(item, kind, due_date, end_date, is_estimated, as_of) as
    case when coalesce(end_date, due_date) >= as_of
        then plan_item(item, kind, due_date, end_date, is_estimated, 'due', null) end;

-- How plan items compare when the next step is picked (queries/planning/next_steps.sql): by
-- date (a season under way by its end), then by weight (its place in `weights`, what programs
-- weigh most first); or, for missed tasks, by weight first. The last date the step still
-- helps this Match and whether its date is estimated ride along. A calendar event still to
-- come is due on its first day (SOAP from the Monday of Match week, when the student learns
-- whether they matched), one under way by its last.
create or replace macro step_by_date(step, weights, as_of) as
    {'by_date': case when step.kind = 'event' and step.due_date >= as_of then step.due_date
        else coalesce(step.end_date, step.due_date) end,
     'weight': list_position(weights, step.item), 'item': step.item,
     'useful_until': step_useful_until(step), 'is_estimated': step.is_estimated};

create or replace macro step_by_weight(step, weights) as
    {'weight': list_position(weights, step.item),
     'by_date': coalesce(step.end_date, step.due_date), 'item': step.item,
     'useful_until': step_useful_until(step), 'is_estimated': step.is_estimated};

create or replace macro step_useful_until(step) as
    greatest(coalesce(step.make_up_until, step.end_date, step.due_date),
             coalesce(step.end_date, step.due_date));

-- A step the student can still use: due ahead, or missed but still worth doing.
create or replace macro is_usable(step, as_of) as
    step.status = 'due' or (step.status = 'overdue' and step_useful_until(step) >= as_of);

-- What a value reading saved in the workspace says an enum cell means (`Gen Surg` means yes
-- for the backup plan), by the cell's enum_key; NULL when none does.
create or replace macro reading_of(readings, field_name, key) as
    case when key is not null and len(readings) > 0 then
        list_filter(readings::struct(field varchar, written_key varchar, means varchar)[],
                    lambda reading: reading.field = field_name
                    and reading.written_key = key)[1].means
    end;

-- How a cell read by a saved reading says so in its data issue.
create or replace macro saved_reading(means) as
    case when means is not null then ' by a value reading saved in the workspace' end;
