-- Spreadsheet row numbers for a file DuckDB read in parallel: the table keeps the file's order,
-- so record n (rowid n - 1) is row n. Row 1 is the header; an id left empty becomes ROW-<n>.
update canonical_students set source_row = rowid + 1;

delete from canonical_students where source_row = 1;

update canonical_students set student_id = 'ROW-' || source_row where given_student_id is null;
