-- Version 2: what the workspace remembers between uploads (column mappings by header set,
-- the advisors' value readings, the settings), none of it about a student, and the access
-- log kept when sign-in is on (who did what, and a student's id at most).

create table remembered_mappings (
    header_key varchar primary key,
    headers varchar[] not null,
    mapping json not null,
    saved_at timestamp not null,
    saved_by varchar not null
);

create table value_readings (
    field varchar not null,
    written_key varchar not null,
    written varchar not null,
    means varchar not null,
    saved_at timestamp not null,
    saved_by varchar not null,
    primary key (field, written_key)
);

create table workspace_settings (
    name varchar primary key,
    value json not null,
    saved_at timestamp not null
);

create table access_log (
    logged_at timestamp not null,
    who varchar not null,
    action varchar not null,
    cohort varchar,
    student_id varchar,
    detail varchar
);
