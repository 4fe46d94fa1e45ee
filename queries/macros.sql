-- Cell parsers shared by every query: untrusted text in, a typed value (or a problem) out.

create or replace macro cell_text(value) as
    nullif(trim(value, ' ' || chr(9) || chr(10) || chr(13) || chr(160)), '');

create or replace macro finite_or_null(number) as
    case when isfinite(number) then number end;

create or replace macro parse_number(value) as
    finite_or_null(try_cast(cell_text(value) as double));

create or replace macro parse_count(value) as
    case
        when parse_number(value) >= 0
            and parse_number(value) = floor(parse_number(value))
            and parse_number(value) < 1000000
            then parse_number(value)::integer
    end;

create or replace macro parse_score(value) as
    case
        when parse_number(value) between 1 and 300
            and parse_number(value) = floor(parse_number(value))
            then parse_number(value)::integer
    end;

create or replace macro parse_year(value) as
    case
        when parse_number(value) between 1950 and 2100
            and parse_number(value) = floor(parse_number(value))
            then parse_number(value)::integer
    end;

-- Enum spellings are compared as lower-case letters and digits only: 'MS-1' reads as 'ms1'.
create or replace macro enum_key(value) as
    regexp_replace(lower(cell_text(value)), '[^a-z0-9]', '', 'g');

create or replace macro parse_stage(value) as
    case
        when enum_key(value) in (
            'm1', 'm2', 'ms1', 'ms2', 'mi', 'mii', 'y1', 'y2', 'year1', 'year2', 'firstyear',
            'secondyear', 'preclinical', 'preclin', 'preclinicals', 'basicsciences',
            'basicscience', 'basicsci', 'bs'
        ) then 'preclinical'
        when enum_key(value) in (
            'm3', 'ms3', 'miii', 'y3', 'year3', 'thirdyear', 'clinical', 'clinicals',
            'coreclinical', 'clerkship', 'clerkships', 'coreclerkships', 'corerotations', 'core'
        ) then 'clinical'
        when enum_key(value) in (
            'm4', 'ms4', 'miv', 'y4', 'year4', 'fourthyear', 'finalyear', 'final', 'senior',
            'lateclinical'
        ) then 'final_year'
        when enum_key(value) in (
            'applying', 'applicant', 'application', 'applicationyear', 'graduate', 'graduated',
            'grad', 'reapplicant', 'reapplying', 'reapplication', 'postgraduate', 'postgrad',
            'img', 'alumni', 'alumnus'
        ) then 'applying'
    end;

create or replace macro parse_step1(value) as
    case
        when enum_key(value) in ('pass', 'p', 'passed') then 'pass'
        when enum_key(value) in ('fail', 'f', 'failed') then 'fail'
        when enum_key(value) in (
            'nottaken', 'nt', 'pending', 'scheduled', 'notyettaken', 'notyet', 'planned',
            'booked', 'nottakenyet', 'notattempted'
        ) then 'not_taken'
    end;

create or replace macro parse_boolean(value) as
    case
        when lower(cell_text(value)) in ('yes', 'y', 'true', 't', '1', '1.0', 'x', '✓', '✔')
            then true
        when lower(cell_text(value)) in ('no', 'n', 'false', 'f', '0', '0.0') then false
    end;

create or replace macro parse_date(value) as
    try_strptime(
        cell_text(value),
        ['%Y-%m-%d', '%m/%d/%Y', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', '%Y/%m/%d']
    )::date;

create or replace macro score_tokens(value) as
    list_filter(regexp_split_to_array(cell_text(value), '[;,/\s]+'), lambda token: token <> '');

create or replace macro parse_score_list(value) as
    case
        when cell_text(value) is not null
            and len(list_filter(score_tokens(value), lambda token: parse_score(token) is null)) = 0
            then list_transform(score_tokens(value), lambda token: parse_score(token))
    end;

-- What is wrong with a cell, in plain words; NULL when the cell is empty or reads fine.
create or replace macro number_problem(value, what) as
    case
        when cell_text(value) is null then null
        when parse_number(value) is null then 'not a number; expected ' || what
        when parse_number(value) <> floor(parse_number(value))
            then 'not a whole number; expected ' || what
    end;

create or replace macro count_problem(value) as
    coalesce(
        number_problem(value, 'a count of 0 or more'),
        case when parse_number(value) < 0 then 'negative count; expected 0 or more' end,
        case when parse_number(value) >= 1000000 then 'implausibly large count' end
    );

create or replace macro score_problem(value) as
    coalesce(
        number_problem(value, 'a Step 2 CK score from 1 to 300'),
        case
            when parse_number(value) not between 1 and 300
                then 'score outside 1-300; expected a Step 2 CK score from 1 to 300'
        end
    );

create or replace macro year_problem(value) as
    coalesce(
        number_problem(value, 'a year such as 2027'),
        case
            when cell_text(value) is not null and parse_year(value) is null
                then 'not a plausible year; expected e.g. 2027'
        end
    );

create or replace macro enum_problem(value, parsed, expected) as
    case when cell_text(value) is not null and parsed is null then 'not recognised; expected ' || expected end;

create or replace macro date_problem(value) as
    case
        when cell_text(value) is not null and parse_date(value) is null
            then 'not a date; expected YYYY-MM-DD or M/D/YYYY'
    end;

create or replace macro score_list_problem(value) as
    case
        when cell_text(value) is not null and parse_score_list(value) is null
            then 'not a list of scores from 1 to 300 (separate them with ; , / or spaces)'
    end;

-- Spreadsheets run a cell that starts with = + - @ tab or CR as a formula; a leading ' stops
-- that. Plain numbers such as -5 or 3.2 are left alone so that they stay numbers.
create or replace macro excel_safe(value) as
    case
        when regexp_matches(value, '^[=+\-@\t\r]')
            and not regexp_matches(value, '^[+-]?[0-9]+(\.[0-9]+)?$')
            then '''' || value
        else value
    end;
