-- Footer rows after the students (a total, a count, an average, or numbers with no id) set aside as `footer_rows`: reported as interpreted, never students.
create table footer_rows as
select source_row, row_first_column, row_first_cell
from canonical_students
where is_footer_candidate
    and source_row > (select max(source_row) from canonical_students
                      where not is_footer_candidate);

delete from canonical_students where source_row in (select source_row from footer_rows);

alter table canonical_students drop column is_footer_candidate;

alter table canonical_students drop column row_first_cell;

alter table canonical_students drop column row_first_column;

alter table canonical_students drop column row_only_numbers;
