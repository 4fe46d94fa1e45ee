-- Every cell that could not be read and every missing or repeated student id, by spreadsheet row, with the kind of issue.
with students as (
    select * from canonical_students
),

column_names as (
    select * from column_map
),

unreadable_cells as (
    select
        source_row,
        cell.field as field,
        cell.value as value,
        cell.problem as problem,
        'unreadable_cell' as kind
    from (select source_row, unnest(cell_problems) as cell from students where len(cell_problems) > 0)
),

missing_ids as (
    select
        source_row,
        'student_id' as field,
        '' as value,
        'no student ID; the row is kept as ' || student_id as problem,
        'missing_id' as kind
    from students
    where given_student_id is null
),

repeated as (
    select student_id, string_agg(source_row::varchar, ', ' order by source_row) as row_list
    from students
    group by student_id
    having count(*) > 1
),

repeated_ids as (
    select
        students.source_row,
        'student_id' as field,
        students.student_id as value,
        'student ID repeated on rows ' || repeated.row_list || '; every row is kept' as problem,
        'repeated_id' as kind
    from students
    join repeated using (student_id)
    where students.given_student_id is not null
),

all_issues as (
    select * from unreadable_cells
    union all
    select * from missing_ids
    union all
    select * from repeated_ids
),

final as (
    select
        all_issues.source_row as "row",
        column_names.column_name as "column",
        all_issues.value as value,
        all_issues.problem as problem,
        all_issues.kind as kind
    from all_issues
    join column_names using (field)
    order by all_issues.source_row, column_names.position
)

select * from final
