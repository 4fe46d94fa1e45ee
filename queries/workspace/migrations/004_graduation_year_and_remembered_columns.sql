-- Version 4: the graduation year a row gave, the issues of loading (SPEC v3: a graduate's Match year is the Match
-- under way), and the column mapping remembered column by column (the header as written,
-- ignoring case and spacing), so that a renamed, added or moved column leaves every other
-- column mapped. `field` is '' for a column the advisor left unread.
alter table snapshot_students add column graduation_year integer;

-- The issues found as the file was loaded that no typed cell holds (footer rows, the order of
-- a column's dates), as [row, column, value, problem, kind] lists.
alter table snapshots add column loading_issues json;

create table remembered_columns (
    column_key varchar primary key,
    header varchar not null,
    field varchar not null,
    saved_at timestamp not null,
    saved_by varchar not null
);
