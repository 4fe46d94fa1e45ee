-- One row per change between two flagged versions of a cohort (`before_students`, `after_students`): students who joined or left, risk level, flags raised or cleared, Step 2 CK, US plastics letters and sub-Is. Ids are matched ignoring invisible differences; ids missing or repeated on either side are left out: they cannot be matched, and `ambiguous_ids.sql` names them. A field read in one version only ($one_sided_fields, with the rules that read it, $one_sided_rules) changes no student: the summary says once that it is no longer, or newly, read.
-- Ids are matched by their key (dashboard/identity.py): written with a no-break space, a
-- tab or full-width digits, an id is the same id. Ids that only look alike are never matched:
-- their "joined" and "left" rows say so (`look_alike_ids`, made first by look_alike_ids.sql).
with before_keyed as (
    select *, student_key(student_id) as id_key from before_students
    where given_student_id is not null
),

after_keyed as (
    select *, student_key(student_id) as id_key from after_students
    where given_student_id is not null
),

before_once as (
    select * from before_keyed
    qualify count(*) over (partition by id_key) = 1
),

after_once as (
    select * from after_keyed
    qualify count(*) over (partition by id_key) = 1
),

ambiguous as (
    select id_key from before_keyed group by id_key having count(*) > 1
    union
    select id_key from after_keyed group by id_key having count(*) > 1
),

-- The first look-alike of each id that joined or left, in the other file.
joined_alike as (
    select after_id, arg_min(after_problem, before_row) as problem
    from look_alike_ids group by after_id
),

left_alike as (
    select before_id, arg_min(before_problem, after_row) as problem
    from look_alike_ids group by before_id
),

paired as (
    select
        -- The id as the later file writes it (as the earlier one did for a student who left).
        coalesce(after_once.student_id, before_once.student_id) as student_id,
        coalesce(after_once.name, before_once.name) as name,
        before_once.student_id is not null as in_before,
        after_once.student_id is not null as in_after,
        coalesce(after_once.source_row, 1e12 + before_once.source_row) as sort_row,
        after_once.source_row as "row",
        before_once.risk_level as before_risk,
        after_once.risk_level as after_risk,
        list_filter(string_split(before_once.flags, ';'), lambda rule_id: rule_id <> '')
            as before_flags,
        list_filter(string_split(after_once.flags, ';'), lambda rule_id: rule_id <> '')
            as after_flags,
        list_filter(string_split(after_once."unknown", ';'), lambda rule_id: rule_id <> '')
            as after_unknown,
        list_filter(string_split(before_once."unknown", ';'), lambda rule_id: rule_id <> '')
            as before_unknown,
        after_once.unreadable_fields as after_unreadable,
        -- Fields with a value before and none now (blanked, or no longer readable).
        list_filter($known_fields::varchar[], lambda field, position:
                    ((before_once.known_mask & ~after_once.known_mask) >> (position - 1)) & 1 = 1
                    and not list_contains($one_sided_fields::varchar[], field))
            as lost_fields,
        before_once.step2ck_score as before_score,
        after_once.step2ck_score as after_score,
        before_once.us_plastics_lors as before_lors,
        after_once.us_plastics_lors as after_lors,
        before_once.us_plastics_subis as before_subis,
        after_once.us_plastics_subis as after_subis
    from before_once
    full outer join after_once using (id_key)
    where id_key not in (select id_key from ambiguous)
),

-- Risk levels ranked for "worse" and "better". Needing data is neither; data that came in
-- is better when it shows low risk, else worse; a lower level reached while data was lost
-- needs data, never better.
ranked as materialized (
    select
        *,
        list_position(['low', 'moderate', 'high'], before_risk) as before_rank,
        list_position(['low', 'moderate', 'high'], after_risk) as after_rank,
        -- The rules whose state moved; when all of them read a field read on one side only,
        -- the risk level moved by the reading, not by the student.
        list_distinct(list_concat(
            list_filter(before_flags, lambda rule_id: not list_contains(after_flags, rule_id)),
            list_filter(after_flags, lambda rule_id: not list_contains(before_flags, rule_id)),
            list_filter(before_unknown,
                        lambda rule_id: not list_contains(after_unknown, rule_id)),
            list_filter(after_unknown,
                        lambda rule_id: not list_contains(before_unknown, rule_id))))
            as moved_rules
    from paired
),

changes as (
    select student_id, name, sort_row, "row", 1 as kind_order, 'joined' as change,
        null as before, after_risk as after,
        null as direction,
        'new in this cohort file' || coalesce('; ' || joined_alike.problem, '') as detail
    from ranked
    left join joined_alike on joined_alike.after_id = ranked.student_id
    where not in_before
    union all
    select student_id, name, sort_row, "row", 1, 'left', before_risk, null,
        null, 'not in the later file under this ID' || coalesce('; ' || left_alike.problem, '')
    from ranked
    left join left_alike on left_alike.before_id = ranked.student_id
    where not in_after
    union all
    select student_id, name, sort_row, "row", 2, 'risk_level', before_risk, after_risk,
        case
            when after_risk = 'needs_data' then 'needs data'
            when before_risk = 'needs_data' and after_risk = 'low' and len(lost_fields) = 0
                then 'better'
            when before_risk = 'needs_data' and after_risk = 'low' then 'needs data'
            when before_risk = 'needs_data' then 'worse'
            when after_rank > before_rank then 'worse'
            when len(lost_fields) > 0 then 'needs data'
            else 'better'
        end,
        'risk ' || replace(before_risk, '_', ' ') || ' to ' || replace(after_risk, '_', ' ')
    from ranked where in_before and in_after and before_risk <> after_risk
        and not (len(moved_rules) > 0 and len(list_filter(moved_rules, lambda rule_id:
                 not list_contains($one_sided_rules::varchar[], rule_id))) = 0)
    union all
    select student_id, name, sort_row, "row", 3, 'flag_raised', null, rule_id, null,
        'raised: ' || $rule_labels[list_position($rule_ids, rule_id)]
    from (select *, unnest(list_filter(after_flags,
                                       lambda rule_id: not list_contains(before_flags, rule_id)
                                           and not list_contains($one_sided_rules::varchar[],
                                                                 rule_id)))
                    as rule_id
          from ranked where in_before and in_after)
    union all
    -- A flag that can no longer be checked, or whose input became blank or unreadable, has
    -- not been cleared: it is not listed here (the value's own change says what happened).
    select student_id, name, sort_row, "row", 4, 'flag_cleared', null, rule_id, null,
        'cleared: ' || $rule_labels[list_position($rule_ids, rule_id)]
    from (select *, unnest(list_filter(before_flags,
                                       lambda rule_id: not list_contains(after_flags, rule_id)
                                           and not list_contains(after_unknown, rule_id)
                                           and not list_contains($one_sided_rules::varchar[],
                                                                 rule_id)
                                           and not list_has_any(
                                               list_concat(after_unreadable, lost_fields),
                                               $rule_fields[list_position($rule_ids, rule_id)])))
                    as rule_id
          from ranked where in_before and in_after)
    union all
    -- The compared values, one row each: Step 2 CK, US plastics letters, US plastics sub-Is.
    select student_id, name, sort_row, "row", 4 + value.position, value.field,
        value.before::varchar, value.after::varchar, null,
        value.label || ' ' || coalesce(value.before::varchar, 'blank') || ' to '
            || coalesce(value.after::varchar, case when list_contains(
                after_unreadable, value.field) then 'unreadable' else 'blank' end)
    from (select *, unnest([
              {'position': 1, 'field': 'step2ck_score', 'label': 'Step 2 CK',
               'before': before_score, 'after': after_score},
              {'position': 2, 'field': 'us_plastics_lors', 'label': 'US plastics letters',
               'before': before_lors, 'after': after_lors},
              {'position': 3, 'field': 'us_plastics_subis', 'label': 'US plastics sub-Is',
               'before': before_subis, 'after': after_subis}
          ]) as value
          from ranked where in_before and in_after)
    where value.before is distinct from value.after
        and not list_contains($one_sided_fields::varchar[], value.field)
),

final as (
    select student_id, name, change, before, after, direction, detail, "row"
    from changes
    order by sort_row, kind_order, after, before
)

select * from final
