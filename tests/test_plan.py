"""The dated plan to the Match (README "Plan to the Match"): which items apply, their dates with
and without configured calendars, their status before and after each date, and the closest
path to a lower risk level."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from python_calamine import CalamineWorkbook

from dashboard.config import Calendar, Config, ConfigError, config_from_document, nth_weekday
from dashboard.plan import (
    NEXT_STEP_WEIGHTS,
    PLAN_ITEMS_BY_ID,
    SCREENED_ITEMS,
    closest_path,
    cohort_calendar,
    student_plan,
)
from tests.conftest import load_rows

D = dt.date

# A final-year student of the class of 2027 for whom every task is done.
DONE = {
    "student_id": "S1", "class_year": "2027", "stage": "M4", "step1_result": "pass",
    "step1_attempts": "1", "step2ck_score": "250", "us_plastics_lors": "2",
    "surgery_lors": "1", "publications": "1", "presentations": "1", "us_plastics_subis": "1",
    "parallel_plan": "yes",
}


def plan_of(changes: dict, as_of: D, config: Config | None = None) -> dict[str, tuple]:
    """item -> (due date, end date, status, estimated) for one student."""
    cohort = load_rows([{**DONE, **changes}])
    flagged = cohort.flag(config or Config(), as_of, materialise=True)
    frame = student_plan(flagged, 2)
    return {row.item: (row.due_date.date() if hasattr(row.due_date, "date") else row.due_date,
                       None if row.end_date is None or str(row.end_date) == "NaT"
                       else row.end_date.date(), row.status, bool(row.is_estimated))
            for row in frame.itertuples()}


def test_a_student_with_everything_done_sees_only_the_calendar_ahead():
    plan = plan_of({}, D(2026, 7, 1))
    assert list(plan) == ["applications_submitted", "interview_season", "rank_list",
                          "match_day"]
    assert plan["applications_submitted"][:3] == (D(2026, 9, 30), None, "Due")
    assert plan["interview_season"][:3] == (D(2026, 10, 1), D(2027, 1, 31), "Due")
    assert plan["rank_list"][0] == D(2027, 3, 3) and plan["match_day"][0] == D(2027, 3, 19)


def test_past_events_drop_off_the_plan():
    assert list(plan_of({}, D(2027, 2, 1))) == ["rank_list", "match_day"]
    assert list(plan_of({}, D(2027, 3, 19))) == ["match_day"]
    assert plan_of({}, D(2027, 3, 20)) == {}


# (changes, as_of, item, expected (date, status) or None when the item must not show)
ITEM_CASES = [
    # A score on file: never told to sit Step 2 CK.
    ({"step2ck_score": "259"}, D(2026, 7, 1), "step2_sitting", None),
    ({"step2ck_score": None}, D(2026, 7, 1), "step2_sitting", (D(2026, 9, 2), "Due")),
    ({"step2ck_score": None}, D(2026, 9, 2), "step2_sitting", (D(2026, 9, 2), "Due")),
    ({"step2ck_score": None}, D(2026, 9, 3), "step2_sitting", (D(2026, 9, 2), "Overdue")),
    # Two US plastics letters on file: never told to get them.
    ({"us_plastics_lors": "2"}, D(2026, 7, 1), "plastics_letters", None),
    ({"us_plastics_lors": "1"}, D(2026, 7, 1), "plastics_letters", (D(2026, 9, 30), "Due")),
    ({"us_plastics_lors": "1"}, D(2026, 10, 1), "plastics_letters",
     (D(2026, 9, 30), "Overdue")),
    # A missing value is never done.
    ({"us_plastics_lors": None}, D(2026, 7, 1), "plastics_letters", (D(2026, 9, 30), "Due")),
    ({"surgery_lors": "0"}, D(2026, 7, 1), "surgery_letter", (D(2026, 9, 30), "Due")),
    ({"parallel_plan": "no"}, D(2026, 7, 1), "backup_plan", (D(2026, 9, 30), "Due")),
    ({"parallel_plan": "yes"}, D(2026, 7, 1), "backup_plan", None),
    # Research: a research year on file is research started.
    ({"publications": "0", "presentations": "0"}, D(2026, 7, 1), "research_started",
     (D(2025, 7, 1), "Overdue")),
    ({"publications": "0", "presentations": "0", "research_year": "yes"}, D(2026, 7, 1),
     "research_started", None),
    # Step 2 CK: a sitting on file by the latest date (sat or booked) is the step done.
    ({"step2ck_score": None, "step2ck_date": "2026-08-25"}, D(2026, 7, 1), "step2_sitting",
     None),
    ({"step2ck_score": None, "step2ck_date": "2026-09-20"}, D(2026, 7, 1), "step2_sitting",
     (D(2026, 9, 2), "Due")),
    # VSLO applications: from VSLO's opening until the sub-I season begins.
    ({"us_plastics_subis": "0"}, D(2026, 1, 31), "vslo_applications", (D(2026, 2, 1), "Due")),
    ({"us_plastics_subis": "0"}, D(2026, 3, 1), "vslo_applications", (D(2026, 2, 1), "Due")),
    ({"us_plastics_subis": "0"}, D(2026, 6, 2), "vslo_applications",
     (D(2026, 2, 1), "Overdue")),
    ({"us_plastics_subis": "0"}, D(2026, 7, 1), "subi_season", (D(2026, 6, 1), "Due")),
    ({"us_plastics_subis": "0"}, D(2026, 10, 1), "subi_season", (D(2026, 6, 1), "Overdue")),
    ({"us_plastics_subis": "1"}, D(2026, 7, 1), "subi_season", None),
    ({"publications": "0", "presentations": "0"}, D(2026, 7, 1), "research_started",
     (D(2025, 7, 1), "Overdue")),
    ({"publications": "0", "presentations": "1"}, D(2026, 7, 1), "research_started", None),
    # Step 1: before the clinical year; not applicable once failed.
    ({"class_year": "2029", "stage": "M1", "step1_result": "not taken"}, D(2026, 7, 1),
     "step1_pass", (D(2027, 6, 30), "Due")),
    ({"class_year": "2029", "stage": "M2", "step1_result": None}, D(2027, 7, 1),
     "step1_pass", (D(2027, 6, 30), "Overdue")),
    ({"step1_result": "fail"}, D(2026, 7, 1), "step1_pass", (D(2025, 6, 30), "Not applicable")),
    ({"step1_result": "pass"}, D(2026, 7, 1), "step1_pass", None),
    # A fail as the last result on file: the retake's pass must reach programs by review.
    ({"step1_result": "fail"}, D(2026, 7, 1), "step1_retake", (D(2026, 9, 2), "Due")),
    ({"step1_result": "fail"}, D(2026, 9, 3), "step1_retake", (D(2026, 9, 2), "Overdue")),
    ({"step1_result": "pass", "step1_attempts": "2"}, D(2026, 7, 1), "step1_retake", None),
    # Mentors: a reminder before the application year, never after, and not for a student
    # whose US plastics letter or sub-I shows they have found them.
    ({"class_year": "2028", "stage": "M3", "us_plastics_lors": "0", "us_plastics_subis": "0"},
     D(2026, 7, 1), "mentors_found", (D(2027, 1, 31), "Due")),
    ({"class_year": "2028", "stage": "M3", "us_plastics_lors": None, "us_plastics_subis": None},
     D(2026, 7, 1), "mentors_found", (D(2027, 1, 31), "Due")),
    ({"class_year": "2028", "stage": "M3", "us_plastics_lors": "1", "us_plastics_subis": "0"},
     D(2026, 7, 1), "mentors_found", None),
    ({"class_year": "2028", "stage": "M3"}, D(2026, 7, 1), "mentors_found", None),
    ({"stage": "M4"}, D(2025, 7, 1), "mentors_found", None),
    # Without a class year the cycle is the next one on or after the as-of date.
    ({"class_year": None, "step2ck_score": None}, D(2026, 10, 1), "step2_sitting",
     (D(2027, 9, 1), "Due")),
]


@pytest.mark.parametrize(("changes", "as_of", "item", "expected"), ITEM_CASES)
def test_plan_item(changes, as_of, item, expected):
    plan = plan_of(changes, as_of)
    if expected is None:
        assert item not in plan
    else:
        assert plan[item][0] == expected[0] and plan[item][2] == expected[1]


def test_configured_dates_win_and_are_not_estimated():
    config = config_from_document({"calendar": {
        "review_opens": {"2027": D(2026, 9, 23)},
        "rank_list_deadline": {"2027": D(2027, 3, 4)},
        "subi_season_end": {"2027": D(2026, 10, 15)},
    }})
    plan = plan_of({"step2ck_score": None, "us_plastics_subis": "0"}, D(2026, 7, 1), config)
    assert plan["step2_sitting"] == (D(2026, 8, 26), None, "Due", False)
    assert plan["rank_list"] == (D(2027, 3, 4), None, "Due", False)
    assert plan["subi_season"] == (D(2026, 6, 1), D(2026, 10, 15), "Due", False)
    assert plan["match_day"][3] is True  # not configured: estimated
    assert plan["vslo_applications"][3] is True


CALENDAR_RULES = [
    # (Match year, rank order list deadline, Match Day) by the default rules
    # A leap year (the NRMP set 28 Feb in 2024: a year that differs is configured).
    (2024, D(2024, 3, 6), D(2024, 3, 15)),
    (2025, D(2025, 3, 5), D(2025, 3, 21)),
    (2026, D(2026, 3, 4), D(2026, 3, 20)),
    (2027, D(2027, 3, 3), D(2027, 3, 19)),
    (2028, D(2028, 3, 1), D(2028, 3, 17)),
    (2029, D(2029, 3, 7), D(2029, 3, 16)),
]


@pytest.mark.parametrize(("year", "rank_list", "match_day"), CALENDAR_RULES)
def test_default_calendar_rules(year, rank_list, match_day):
    calendar = Calendar()
    assert calendar.date_of("rank_list_deadline", year) == rank_list
    assert calendar.date_of("match_day", year) == match_day
    assert rank_list.weekday() == 2 and match_day.weekday() == 4


def test_nth_weekday_across_month_and_year_ends():
    assert nth_weekday(2024, 3, 2, 1) == D(2024, 3, 6)
    assert nth_weekday(2026, 12, 4, 3) == D(2026, 12, 18)
    assert nth_weekday(2027, 1, 0, 1) == D(2027, 1, 4)


def test_year_end_as_of_keeps_the_cycle_until_review_opens():
    plan = plan_of({"class_year": None, "step2ck_score": None}, D(2026, 12, 31))
    assert plan["step2_sitting"][:3] == (D(2027, 9, 1), None, "Due")
    plan = plan_of({"class_year": None, "step2ck_score": None}, D(2027, 1, 1))
    assert plan["step2_sitting"][:3] == (D(2027, 9, 1), None, "Due")


def test_bad_calendar_config_is_refused():
    with pytest.raises(ConfigError, match="match_day.2027 must be a date"):
        config_from_document({"calendar": {"match_day": {"2027": "the third Friday"}}})
    with pytest.raises(ConfigError, match="key 'soon' is not a Match year"):
        config_from_document({"calendar": {"rank_list_deadline": {"soon": D(2027, 3, 3)}}})
    with pytest.raises(ConfigError, match="unknown key 'interviews'"):
        config_from_document({"calendar": {"interviews": {"2027": D(2026, 10, 1)}}})


def test_every_plan_item_has_words():
    for item in PLAN_ITEMS_BY_ID.values():
        assert item.label and item.serves and item.kind in ("task", "reminder", "event")


# --- closest path -----------------------------------------------------------------------

def student_row(changes: dict, as_of: D):
    cohort = load_rows([{**DONE, **changes}])
    flagged = cohort.flag(Config(), as_of, materialise=True)
    relation = flagged.con.sql("select * from flagged_students")
    return flagged, dict(zip(relation.columns, relation.fetchall()[0], strict=True))


def test_closest_path_names_the_fewest_changes_with_their_dates():
    flagged, student = student_row({"us_plastics_lors": "1", "parallel_plan": "no"},
                                   D(2026, 7, 1))
    assert student["risk_level"] == "moderate"
    path = closest_path(flagged, student)
    assert path["risk_level"] == "low"
    assert path["steps"] == [
        ("a backup application", "30 Sep 2026 (estimated)"),
        ("US plastics letters up to the number needed", "30 Sep 2026 (estimated)"),
    ]


def test_closest_path_takes_one_change_when_one_is_enough():
    flagged, student = student_row({"us_plastics_lors": "0", "us_plastics_subis": "0"},
                                   D(2026, 7, 1))
    assert student["risk_level"] == "high"
    path = closest_path(flagged, student)
    assert path["risk_level"] == "moderate" and len(path["steps"]) == 1


def test_no_path_when_the_record_cannot_change():
    flagged, student = student_row({"step1_result": "fail"}, D(2026, 7, 1))
    assert student["risk_level"] == "high"
    assert closest_path(flagged, student) is None
    flagged, student = student_row({}, D(2026, 7, 1))
    assert closest_path(flagged, student) is None  # already low


def test_cohort_calendar_window_and_overdue():
    cohort = load_rows([
        {**DONE, "student_id": "A", "step2ck_score": None, "advisor": "Dr. X"},
        {**DONE, "student_id": "B", "us_plastics_subis": "0", "advisor": "Dr. Y"},
        {**DONE, "student_id": "C", "class_year": "2028", "stage": "M3", "advisor": "Dr. Y"},
    ])
    flagged = cohort.flag(Config(), D(2026, 8, 15), materialise=True)
    rows = cohort_calendar(flagged, 30).fetchall()
    columns = cohort_calendar(flagged, 30).columns
    found = {(row[columns.index("student_id")], row[columns.index("item")],
              row[columns.index("status")]) for row in rows}
    assert ("A", "step2_sitting", "due") in found
    assert ("B", "vslo_applications", "overdue") in found
    assert not any(student == "C" for student, *_ in found)  # nothing due within 30 days
    assert all(row[columns.index("due_date")] <= D(2026, 9, 14) or
               row[columns.index("status")] == "overdue" for row in rows)


def test_the_next_step_is_what_can_still_be_done_on_time():
    """A missed date stays on the plan (overdue), but the next step is the soonest one ahead;
    only when nothing is ahead is it the most recent one missed."""
    cohort = load_rows([{**DONE, "step2ck_score": None, "publications": "0",
                         "presentations": "0"}])
    flagged = cohort.flag(Config(), D(2026, 7, 1), materialise=True)
    [(item, due, overdue)] = flagged.con.execute(
        "select next_item, next_step_due, count_overdue from next_steps").fetchall()
    assert (item, due, overdue) == ("step2_sitting", D(2026, 9, 2), 1)  # research: overdue
    flagged = cohort.flag(Config(), D(2027, 4, 1), materialise=True)  # after Match Day
    [(item, due)] = flagged.con.execute(
        "select next_item, next_step_due from next_steps").fetchall()
    assert (item, due) == ("step2_sitting", D(2026, 9, 2))  # the most recent date missed


@pytest.mark.parametrize("materialise", [True, False], ids=["dashboard", "cli"])
def test_steps_due_the_same_day_go_by_what_programs_weigh_most(materialise):
    """Applications, letters and the backup plan all fall due when review opens: the next step
    is the plastics letters, not the reminder to submit that sorts first by name (the pick
    never rests on the order in which rows were read). Missed, the letters can be made up
    until interviews end; after that the next step is the rank list."""
    cohort = load_rows([{**DONE, "us_plastics_lors": "0", "surgery_lors": "0",
                         "parallel_plan": "no"}])
    expected = [(D(2026, 8, 1), "plastics_letters", D(2026, 9, 30)),
                (D(2026, 11, 25), "plastics_letters", D(2026, 9, 30)),
                (D(2027, 2, 15), "rank_list", D(2027, 3, 3)),
                (D(2027, 4, 1), None, None)]
    for as_of, item, due in expected:
        flagged = cohort.flag(Config(), as_of, materialise=materialise)
        assert flagged.con.execute(
            "select next_item, next_step_due from next_steps").fetchall() == [(item, due)]


def test_a_missing_step1_pass_comes_before_everything_due():
    """A final-year student with Step 1 not taken, or blank, reads 'Pass Step 1' before the
    Step 2 CK sitting due that summer; a preclinical fail's retake is due before the clinical
    year, not at the application; repeated attempts with no result on file get the retake."""
    def next_of(changes, as_of):
        flagged = load_rows([{**DONE, "step2ck_score": None, **changes}]).flag(
            Config(), as_of, materialise=True)
        return flagged.con.execute("select next_item, next_step_due from next_steps").fetchone()

    assert next_of({"step1_result": "not taken", "step1_attempts": "0"}, D(2026, 3, 1)) == (
        "step1_pass", D(2025, 6, 30))
    assert next_of({"step1_result": None}, D(2026, 3, 1)) == ("step1_pass", D(2025, 6, 30))
    assert next_of({"step1_result": None, "step1_attempts": "2"}, D(2026, 3, 1)) == (
        "step1_retake", D(2026, 9, 2))
    assert next_of({"step1_result": "fail", "class_year": "2029", "stage": "M2"},
                   D(2026, 3, 1)) == ("step1_retake", D(2027, 6, 30))
    assert next_of({"step1_result": "pass"}, D(2026, 3, 1)) == ("step2_sitting", D(2026, 9, 2))
    # A failed Step 2 CK: the retake, even in November when the interview season is on.
    assert next_of({"step2ck_score": "205"}, D(2026, 11, 25)) == ("step2_retake", D(2026, 9, 2))


@pytest.mark.parametrize("materialise", [True, False], ids=["dashboard", "cli"])
@pytest.mark.parametrize(("changes", "item", "due"), [
    # Letters missing after review opened: the missed task, not the interview season.
    ({"us_plastics_lors": "1"}, "plastics_letters", D(2026, 9, 30)),
    # Missed steps are taken by what programs weigh most, not by date or name: the retake
    # before Step 2 CK, Step 2 CK before the letters due four weeks later.
    ({"step1_result": "fail", "step2ck_score": None}, "step1_retake", D(2026, 9, 2)),
    ({"step2ck_score": None, "us_plastics_lors": "1"}, "step2_sitting", D(2026, 9, 2)),
    ({"surgery_lors": "0", "parallel_plan": "no"}, "surgery_letter", D(2026, 9, 30)),
    # A sub-I season that has ended cannot be made up: the interview season under way.
    ({"us_plastics_subis": "0"}, "interview_season", D(2027, 1, 31)),
    # Nothing missed: the season under way.
    ({}, "interview_season", D(2027, 1, 31)),
], ids=["letters", "retake-and-step2", "step2-and-letters", "surgery-and-backup",
        "subi-missed", "nothing-missed"])
def test_a_missed_task_comes_before_a_calendar_event(changes, item, due, materialise):
    """In November every applicant is in interview season; a student's own missed step that can
    still be made up is what their next step names, and the season only when there is none."""
    flagged = load_rows([{**DONE, **changes}]).flag(Config(), D(2026, 11, 25),
                                                    materialise=materialise)
    [(next_item, next_due)] = flagged.con.execute(
        "select next_item, next_step_due from next_steps").fetchall()
    assert (next_item, next_due) == (item, due)


def test_a_missed_next_step_reads_overdue_in_tables_and_reports():
    """The Students table, the cohort report and the XLSX Summary say a next step's date has
    passed; the CSV keeps the step's plain label beside its date (README "Plan to the Match")."""
    from dashboard.cohort_report import cohort_report_html
    from dashboard.exports import csv_bytes, export_relation, xlsx_bytes
    from dashboard.reports import StudentFilter, student_page

    flagged = load_rows([{**DONE, "us_plastics_lors": "1"}]).flag(
        Config(), D(2026, 11, 25), materialise=True)
    frame, _ = student_page(flagged, StudentFilter(), page=1, page_size=10)
    assert frame["next_step"].tolist() == ["Overdue: Two US plastics letters"]
    assert "Overdue: Two US plastics letters" in cohort_report_html(flagged)
    summary = CalamineWorkbook.from_filelike(io.BytesIO(xlsx_bytes(flagged))).get_sheet_by_name(
        "Summary").to_python()
    assert summary[1][5] == "Overdue: Have two US plastic surgery letters uploaded"
    [csv_row] = csv.DictReader(io.StringIO(csv_bytes(export_relation(flagged)).decode("utf-8-sig")))
    assert csv_row["next_step"] == "Have two US plastic surgery letters uploaded"
    on_time = load_rows([{**DONE, "us_plastics_lors": "1"}]).flag(
        Config(), D(2026, 9, 1), materialise=True)
    frame, _ = student_page(on_time, StudentFilter(), page=1, page_size=10)
    assert frame["next_step"].tolist() == ["Two US plastics letters"]


@pytest.mark.parametrize(("changes", "as_of", "item"), [
    # A clinical-year student who failed Step 1: the retake first, not research or mentors.
    ({"class_year": "2028", "stage": "M3", "step1_result": "fail", "publications": "0",
      "presentations": "0", "us_plastics_lors": "0", "us_plastics_subis": "0"},
     D(2026, 3, 1), "step1_retake"),
    # In March with no sub-I: apply on VSLO now, before the sub-I itself.
    ({"us_plastics_subis": "0", "us_plastics_lors": "0"}, D(2026, 3, 1), "vslo_applications"),
    # Step 2 CK sat in July with no score yet: on to the missing letter, not "sit Step 2 CK".
    ({"step2ck_score": None, "step2ck_date": "2026-07-20", "us_plastics_lors": "1"},
     D(2026, 8, 20), "plastics_letters"),
], ids=["clinical-step1-fail", "vslo-in-march", "step2-sat-no-score"])
def test_next_steps_an_advisor_would_give(changes, as_of, item):
    flagged = load_rows([{**DONE, **changes}]).flag(Config(), as_of, materialise=True)
    assert flagged.con.execute("select next_item from next_steps").fetchone()[0] == item


def test_a_reminder_ahead_comes_before_a_missed_task():
    """Submitting applications is still ahead in August: it comes before research that was
    due two summers before."""
    flagged = load_rows([{**DONE, "publications": "0", "presentations": "0"}]).flag(
        Config(), D(2026, 8, 1), materialise=True)
    [(next_item, count_overdue)] = flagged.con.execute(
        "select next_item, count_overdue from next_steps").fetchall()
    assert (next_item, count_overdue) == ("applications_submitted", 1)


def test_the_plan_lists_each_item_with_its_kind_in_the_catalogue():
    """The SQL that builds the plan says task, reminder or event as PLAN_ITEMS does, which the
    next-step rule reads."""
    cohort = load_rows([
        {**DONE, "student_id": "A", "stage": "M2", "class_year": "2029", "step2ck_score": None,
         "us_plastics_lors": "0", "surgery_lors": "0", "publications": "0",
         "presentations": "0", "us_plastics_subis": "0", "parallel_plan": "no"},
        {**DONE, "student_id": "B", "step1_result": "fail"},
        {**DONE, "student_id": "C", "step1_result": "fail", "step1_attempts": "2",
         "class_year": "2028"},
        {**DONE, "student_id": "D", "step2ck_score": "205"},
    ])
    flagged = cohort.flag(Config(), D(2026, 1, 10), materialise=True)
    kinds = dict(flagged.con.execute(
        "select distinct step.item, step.kind from "
        "(select unnest(plan) as step from student_plan_lists)").fetchall())
    assert set(kinds) == set(PLAN_ITEMS_BY_ID)
    assert kinds == {item: PLAN_ITEMS_BY_ID[item].kind for item in kinds}
    # Every item has its weight for the next-step pick, once.
    assert sorted(NEXT_STEP_WEIGHTS) == sorted(PLAN_ITEMS_BY_ID)
    assert set(SCREENED_ITEMS) <= {item for item, kind in kinds.items() if kind == "task"}


def test_a_season_under_way_is_the_next_step_by_its_last_day():
    """In November the class of 2027 is in interview season: due by the season's end, not by
    its start, which has passed."""
    flagged = load_rows([DONE]).flag(Config(), D(2026, 11, 25), materialise=True)
    [(item, due)] = flagged.con.execute(
        "select next_item, next_step_due from next_steps").fetchall()
    [(start, end)] = flagged.con.execute(
        "select due_date, end_date from student_plans where item = 'interview_season'"
    ).fetchall()
    assert item == "interview_season" and start < D(2026, 11, 25) < end and due == end
