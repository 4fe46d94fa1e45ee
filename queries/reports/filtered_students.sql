-- The students that match the advisor's filters, most urgent first: risk level, then the soonest next deadline, then the most flags, then the lowest score.
with students as (
    select flagged_students.*, next_steps.next_item, next_steps.next_step_due,
        next_steps.next_step_useful_until, next_steps.next_step_estimated
    from flagged_students
    left join next_steps using (source_row)
),

matched as (
    select *
    from students
    where (len($risk_levels::varchar[]) = 0 or list_contains($risk_levels::varchar[], risk_level))
        and (
            len($flags::varchar[]) = 0
            or ($flag_match::varchar <> 'unchecked'
                and list_has_any($flags::varchar[], string_split(flags, ';')))
            or ($flag_match::varchar <> 'raised'
                and list_has_any($flags::varchar[], string_split(unknown, ';')))
        )
        and (len($bands::varchar[]) = 0 or list_contains($bands::varchar[], band))
        and (len($strategies::varchar[]) = 0 or list_contains($strategies::varchar[], strategy))
        and (len($stages::varchar[]) = 0
            or list_contains($stages::varchar[], coalesce(stage, 'missing')))
        and (len($class_years::integer[]) = 0
            or list_contains($class_years::integer[], class_year))
        and (len($campuses::varchar[]) = 0 or list_contains($campuses::varchar[], campus))
        and (len($advisors::varchar[]) = 0 or list_contains($advisors::varchar[], advisor_group))
        and (
            $search::varchar = ''
            or contains(lower(coalesce(name, '')), lower($search::varchar))
            or contains(lower(student_id), lower($search::varchar))
        )
        and (not $at_risk_only::boolean or risk_level <> 'low')
        and (not $changed_only::boolean
            or student_id in (select changed_students.student_id from changed_students))
        and ($score_min::integer is null or step2ck_score >= $score_min::integer)
        and ($score_max::integer is null or step2ck_score <= $score_max::integer)
        and ($research_min::integer is null
            or coalesce(publications, 0) + coalesce(presentations, 0) >= $research_min::integer)
        and ($research_max::integer is null
            or coalesce(publications, 0) + coalesce(presentations, 0) <= $research_max::integer)
),

final as (
    select
        *,
        list_filter(string_split(flags, ';'), lambda rule_id: rule_id <> '') as raised_rule_ids
    from matched
    order by
        list_position(['high', 'moderate', 'needs_data', 'low'], risk_level),
        next_step_due asc nulls last,
        count_critical + count_warning + count_info desc,
        step2ck_score asc nulls last,
        source_row
)

select * from final
