-- Version 5: a remembered column mapping belongs to the advisor who made it (`owner`: their
-- sign-in email, or "local" without sign-in), or to every advisor of the workspace when they
-- chose to share it (`owner` ''), so that one advisor's mapping is never applied, unasked, to
-- another's upload. The mappings remembered before stay with the advisor who saved them.
create table remembered_columns_by_owner (
    owner varchar not null,
    column_key varchar not null,
    header varchar not null,
    field varchar not null,
    saved_at timestamp not null,
    saved_by varchar not null,
    primary key (owner, column_key)
);

insert into remembered_columns_by_owner
select saved_by, column_key, header, field, saved_at, saved_by
from remembered_columns;

drop table remembered_columns;

alter table remembered_columns_by_owner rename to remembered_columns;
