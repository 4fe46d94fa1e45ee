-- How well each sampled column's values fit each kind of field: the share of its non-blank cells that each field's reader reads (`sample_cells`: column_key, value).
with cells as (
    select column_key, cell_text(value) as text from sample_cells
),

present as (
    select column_key, text, number_of(text) as number from cells where text is not null
),

final as (
    select
        column_key,
        count(*) as count_values,
        avg(case when coalesce(stage_of(enum_key(text)), stage_of(first_word_key(text)))
            is not null then 1 else 0 end) as fit_stage,
        avg(case when whole_in(number, 2000, 2099) is not null then 1 else 0 end)
            as fit_class_year,
        avg(case when coalesce(step1_of(enum_key(text)), step1_of(first_word_key(text)))
            is not null then 1 else 0 end) as fit_step1_result,
        avg(case when whole_in(number, 1, 300) is not null and number >= 100 then 1 else 0 end)
            as fit_score,
        avg(case when date_of(regexp_replace(text, '[.-]', '/', 'g')) is not null
            or date_of(text) is not null then 1 else 0 end) as fit_date,
        avg(case when whole_in(number, 0, 60) is not null then 1 else 0 end) as fit_count,
        avg(case when len(score_list_of(text)) >= 2 then 1 else 0 end) as fit_score_list,
        avg(case when coalesce(boolean_of(enum_key(text)), boolean_of(first_word_key(text)),
                               backup_of(enum_key(text))) is not null then 1 else 0 end)
            as fit_boolean
    from present
    group by column_key
)

select * from final
