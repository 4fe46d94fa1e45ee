-- The order of the a/b/yyyy dates of one date column (`date_sample`: source_row, value): how many only day-first can read, how many only month-first, how many either way (the first of each).
with cells as (
    select source_row, cell_text(value) as text from date_sample
),

parts as (
    select source_row, text, slash_date_parts(text) as date_parts
    from cells
    where text is not null
),

dated as (
    select
        source_row,
        text,
        date_parts.first::integer as first_part,
        date_parts.second::integer as second_part
    from parts
    where date_parts.first <> ''
),

final as (
    select
        count(*) filter (where first_part > 12 and second_part <= 12) as count_day_first,
        count(*) filter (where second_part > 12 and first_part <= 12) as count_month_first,
        count(*) as count_dates,
        arg_min(text, source_row) filter (where first_part > 12 and second_part <= 12)
            as value_day_first,
        min(source_row) filter (where first_part > 12 and second_part <= 12) as row_day_first,
        arg_min(text, source_row) filter (where second_part > 12 and first_part <= 12)
            as value_month_first,
        min(source_row) filter (where second_part > 12 and first_part <= 12)
            as row_month_first,
        count(*) filter (where first_part <= 12 and second_part <= 12
                         and first_part <> second_part) as count_undecided,
        arg_min(text, source_row) filter (where first_part <= 12 and second_part <= 12
                                          and first_part <> second_part) as first_value,
        min(source_row) filter (where first_part <= 12 and second_part <= 12
                                and first_part <> second_part) as first_row
    from dated
)

select * from final
