-- Step 2 CK scores in bins of $bin_width points, with the band each bin falls in.
with students as (
    select * from flagged_students
    where step2ck_score is not null
),

binned as (
    select
        (floor(step2ck_score / $bin_width::integer) * $bin_width::integer)::integer as bin_start,
        band
    from students
),

final as (
    select bin_start, bin_start + $bin_width::integer as bin_end, band, count(*) as count_students
    from binned
    group by bin_start, band
    order by bin_start, band
)

select * from final
