-- Cell parsers shared by every query. Each takes text already trimmed by cell_text (or the
-- number read from it once), so that a million rows parse every cell a single time.

-- trim() drops spaces (NBSP too) fast; a tab or line break at a cell's edge stays, and the
-- parsers below tolerate it (numbers and enums ignore it, booleans are keyed like enums).
create or replace macro cell_text(value) as
    nullif(trim(value), '');

create or replace macro text_number(text) as
    case when isfinite(try_cast(text as double)) then try_cast(text as double) end;

create or replace macro whole_in(number, low, high) as
    case when number between low and high and number = floor(number) then number::integer end;

-- Enum spellings are compared as lower-case letters and digits only: 'MS-1' reads as 'ms1'.
create or replace macro enum_key(text) as
    regexp_replace(lower(text), '[^a-z0-9]', '', 'g');

-- These take enum_key(text), computed once per cell by the caller.
create or replace macro stage_of(key) as
    case
        when key in (
            'm1', 'm2', 'ms1', 'ms2', 'mi', 'mii', 'y1', 'y2', 'year1', 'year2', 'firstyear',
            'secondyear', 'preclinical', 'preclin', 'preclinicals', 'basicsciences',
            'basicscience', 'basicsci', 'bs'
        ) then 'preclinical'
        when key in (
            'm3', 'ms3', 'miii', 'y3', 'year3', 'thirdyear', 'clinical', 'clinicals',
            'coreclinical', 'clerkship', 'clerkships', 'coreclerkships', 'corerotations', 'core'
        ) then 'clinical'
        when key in (
            'm4', 'ms4', 'miv', 'y4', 'year4', 'fourthyear', 'finalyear', 'final', 'senior',
            'lateclinical'
        ) then 'final_year'
        when key in (
            'applying', 'applicant', 'application', 'applicationyear', 'graduate', 'graduated',
            'grad', 'reapplicant', 'reapplying', 'reapplication', 'postgraduate', 'postgrad',
            'img', 'alumni', 'alumnus'
        ) then 'applying'
    end;

create or replace macro step1_of(key) as
    case
        when key in ('pass', 'p', 'passed') then 'pass'
        when key in ('fail', 'f', 'failed') then 'fail'
        when key in (
            'nottaken', 'nt', 'pending', 'scheduled', 'notyettaken', 'notyet', 'planned',
            'booked', 'nottakenyet', 'notattempted'
        ) then 'not_taken'
    end;

create or replace macro boolean_of(text) as
    case
        when lower(text) in ('yes', 'y', 'true', 't', '1', '1.0', 'x', '✓', '✔') then true
        when lower(text) in ('no', 'n', 'false', 'f', '0', '0.0') then false
    end;

create or replace macro date_of(text) as
    try_strptime(
        text, ['%Y-%m-%d', '%m/%d/%Y', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', '%Y/%m/%d']
    )::date;

create or replace macro score_list_of(text) as
    case
        when text is not null then list_transform(
            list_filter(regexp_split_to_array(text, '[;,/\s]+'), lambda token: token <> ''),
            lambda token: whole_in(text_number(token), 1, 300)
        )
    end;

-- What is wrong with a cell, in plain words; NULL when it is empty or reads fine.
create or replace macro number_problem(text, number, parsed, expected, range_problem) as
    case
        when text is null or parsed is not null then null
        when number is null then 'not a number; expected ' || expected
        when number <> floor(number) then 'not a whole number; expected ' || expected
        else range_problem
    end;

create or replace macro count_problem(text, number, parsed) as
    number_problem(
        text, number, parsed, 'a count of 0 or more',
        case when number < 0 then 'negative count; expected 0 or more'
            else 'implausibly large count' end
    );

create or replace macro enum_problem(text, parsed, expected) as
    case when text is not null and parsed is null then 'not recognised; expected ' || expected end;

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
