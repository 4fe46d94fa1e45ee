-- Footer rows after the students (a total, a count, an average, or numbers with no id) set aside as `footer_rows` and reported in `loading_issues` as interpreted: never students.
create table footer_rows as
select source_row, row_first_column, row_first_cell
from canonical_students
where is_footer_candidate
    and source_row > (select max(source_row) from canonical_students
                      where not is_footer_candidate);

delete from canonical_students where source_row in (select source_row from footer_rows);

insert into loading_issues
select
    footer_rows.source_row,
    file_columns.column_name,
    footer_rows.row_first_cell,
    'a footer row after the students (a total, a count, an average or numbers without an '
        || 'ID), not a student: left out of the cohort',
    'interpreted'
from footer_rows
join file_columns on file_columns.position = footer_rows.row_first_column - 1;

alter table canonical_students drop column is_footer_candidate;

alter table canonical_students drop column row_first_cell;

alter table canonical_students drop column row_first_column;

alter table canonical_students drop column row_only_numbers;
