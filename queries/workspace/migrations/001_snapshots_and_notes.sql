-- Version 1: saved snapshots of a flagged cohort, and the advisors' notes and follow-ups.
-- Times are UTC. A snapshot's students keep every typed field, the cells that could not be
-- read (cell_problems), the unmapped columns (extra_values, named by snapshots.extra_headers)
-- and the summary of how they were flagged, so that the snapshot reopens as it was saved
-- and two snapshots compare without flagging either again.

create sequence snapshot_ids start 1;

create table snapshots (
    snapshot_id integer primary key default nextval('snapshot_ids'),
    cohort varchar not null,
    as_of date not null,
    saved_at timestamp not null,
    saved_by varchar not null,
    file_name varchar not null,
    sheet varchar,
    header_row integer not null,
    headers varchar[] not null,
    read_notes varchar[] not null,
    mapping json not null,
    extra_headers varchar[] not null,
    settings json not null,
    student_count integer not null
);

create table snapshot_students (
    snapshot_id integer not null,
    source_row bigint not null,
    given_student_id varchar,
    student_id varchar not null,
    name varchar,
    email varchar,
    class_year integer,
    stage varchar,
    campus varchar,
    advisor varchar,
    step1_result varchar,
    step1_attempts integer,
    step2ck_score integer,
    step2ck_date date,
    practice_scores integer[],
    us_plastics_lors integer,
    surgery_lors integer,
    publications integer,
    presentations integer,
    us_plastics_subis integer,
    research_year boolean,
    parallel_plan boolean,
    cell_problems struct(field varchar, "value" varchar,
                         issue struct(kind varchar, problem varchar))[],
    raw_student_id varchar,
    extra_values varchar[] not null,
    risk_level varchar not null,
    flags varchar not null,
    "unknown" varchar not null
);

create sequence note_ids start 1;

create table notes (
    note_id integer primary key default nextval('note_ids'),
    cohort varchar not null,
    student_id varchar not null,
    author varchar not null,
    written_at timestamp not null,
    body varchar not null,
    follow_up date,
    status varchar not null default 'open' check (status in ('open', 'done')),
    done_at timestamp,
    done_by varchar
);
