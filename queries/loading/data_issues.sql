-- Every cell read with a guess (interpreted) or not read (unreadable), every missing, repeated or look-alike student id (identity), every footer row and how a column was read (interpreted), by spreadsheet row.
with students as (
    select * from canonical_students
),

column_names as (
    select * from column_map
),

cell_issues as (
    select
        source_row,
        cell.field as field,
        cell.value as value,
        cell.issue.problem as problem,
        cell.issue.kind as kind
    from (select source_row, unnest(cell_problems) as cell from students
          where len(cell_problems) > 0)
),

missing_ids as (
    select
        source_row,
        'student_id' as field,
        coalesce(raw_student_id, '') as value,
        case when raw_student_id is null then 'no student ID'
            when is_excel_error(raw_student_id) then 'the student ID is an Excel error value'
            else 'the student ID holds only invisible characters (spaces, tabs)' end
            || '; the row is kept as ' || student_id as problem,
        'identity' as kind
    from students
    where given_student_id is null
),

-- Each given id as a matching key (dashboard/identity.py): ids that differ only by invisible
-- characters (a no-break space, a tab, full-width digits) are the same id.
keyed as (
    select source_row, student_id, student_key(student_id) as id_key
    from students
    where given_student_id is not null
),

-- The ids given on more than one row, found first: most ids are given once, and only the rows
-- of a repeated id are looked at again. A repeated id names at most five of its rows, so 5,000
-- copies stay one short line each.
repeated_keys as (
    select id_key
    from keyed
    group by id_key
    having count(*) > 1
),

repeated as (
    select
        id_key,
        count(*) as count_rows,
        count(distinct student_id) > 1 as is_written_differently,
        array_to_string(list_sort(min(source_row, 5)), ', ') as first_rows
    from keyed
    semi join repeated_keys using (id_key)
    group by id_key
),

repeated_ids as (
    select
        keyed.source_row,
        'student_id' as field,
        keyed.student_id as value,
        'student ID repeated on ' || repeated.count_rows || ' rows ('
            || repeated.first_rows || case when repeated.count_rows > 5 then ', ...' else '' end
            || ')' || case when repeated.is_written_differently
                then ', written differently only by invisible characters (spaces, tabs, '
                    || 'full-width digits)' else '' end
            || '; every row is kept' as problem,
        'identity' as kind
    from keyed
    join repeated using (id_key)
),

-- Ids that differ only by capital letters, leading zeros, spaces or a look-alike letter of
-- another alphabet: maybe one student, never merged; each row names the first other one.
look_alike_keys as (
    select *, look_alike_key(id_key) as alike_key from keyed
),

look_alike_groups as (
    select alike_key
    from look_alike_keys
    group by alike_key
    having count(distinct id_key) > 1
),

look_alike_rows as (
    select * from look_alike_keys semi join look_alike_groups using (alike_key)
),

look_alike_ids as (
    select
        this.source_row,
        'student_id' as field,
        this.student_id as value,
        look_alike_problem(this.student_id, arg_min(other.student_id, other.source_row),
                           'on row ' || min(other.source_row)) as problem,
        'identity' as kind
    from look_alike_rows as this
    join look_alike_rows as other
        on other.alike_key = this.alike_key and other.id_key <> this.id_key
    group by this.source_row, this.student_id
),

-- A text cell holding line breaks and delimiters: an unbalanced quote may have swallowed the
-- rows after it, so students can be missing from the count.
swallowed as (
    select source_row, cell.field as field, cell.value as value,
        'holds ' || (length(cell.value) - length(replace(cell.value, chr(10), '')))
            || ' line break(s) and delimiters: an unbalanced quote may have merged the rows '
            || 'after it into this cell; check the file around this row' as problem,
        'unreadable' as kind
    from (
        select source_row, unnest([
            {'field': 'student_id', 'value': given_student_id},
            {'field': 'name', 'value': name},
            {'field': 'email', 'value': email},
            {'field': 'campus', 'value': campus},
            {'field': 'advisor', 'value': advisor}
        ]) as cell
        from students
        where contains(coalesce(name, '') || coalesce(given_student_id, '') || coalesce(email, '')
            || coalesce(campus, '') || coalesce(advisor, ''), chr(10))
    )
    where contains(cell.value, chr(10)) and regexp_matches(cell.value, '[,;\t]')
        -- a row the reader's own line count already found merged is reported once, by it
        and source_row not in (select source_row from loading_issues where kind = 'unreadable')
),

all_issues as (
    select * from cell_issues
    union all
    select * from swallowed
    union all
    select * from missing_ids
    union all
    select * from repeated_ids
    union all
    select * from look_alike_ids
),

-- Footer rows and how whole columns were read (the order of their dates): found as the file
-- was loaded (`loading_issues`), each before its row's cell issues.
loading as (
    select
        loading_issues.source_row,
        loading_issues.column_name,
        loading_issues.value,
        loading_issues.problem,
        loading_issues.kind,
        coalesce(min(column_names.position) - 0.5, -1) as position
    from loading_issues
    left join column_names on column_names.column_name = loading_issues.column_name
    group by all
),

named as (
    select
        all_issues.source_row,
        column_names.column_name,
        all_issues.value,
        all_issues.problem,
        all_issues.kind,
        column_names.position
    from all_issues
    join column_names using (field)
    union all
    select * from loading
),

final as (
    select
        source_row as "row",
        column_name as "column",
        value,
        problem,
        kind
    from named
    order by source_row, position
)

select * from final
