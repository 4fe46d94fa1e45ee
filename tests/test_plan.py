"""The dated plan to the Match (docs/advisor-guide.md): which items apply, their dates with
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
    EXAM_ITEMS,
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
    # v3: the strategy's program list, the PSCA (released 9 days before ERAS review, an
    # estimate) and NRMP registration join the calendar.
    assert list(plan) == ["plastics_targeted_list", "psca_submitted", "applications_submitted",
                          "interview_season", "nrmp_registration", "rank_list", "match_day"]
    assert plan["plastics_targeted_list"][0] <= D(2026, 9, 21)
    assert plan["psca_submitted"] == (D(2026, 9, 21), None, "Due", True)
    assert plan["applications_submitted"][:3] == (D(2026, 9, 30), None, "Due")
    assert plan["interview_season"][:3] == (D(2026, 10, 1), D(2027, 1, 31), "Due")
    assert plan["nrmp_registration"][:3] == (D(2027, 1, 31), None, "Due")
    assert plan["rank_list"][0] == D(2027, 3, 3) and plan["match_day"][0] == D(2027, 3, 19)


def test_past_events_drop_off_the_plan():
    assert list(plan_of({}, D(2027, 2, 1))) == ["rank_list", "match_day"]
    assert list(plan_of({}, D(2027, 3, 19))) == ["match_day"]
    # v3: after Match Day the plan is for the next Match (cycle_over), no longer empty;
    # nothing of the 2027 Match is left on it (test_after_match_day_the_plan_is_for_the_next).
    plan = plan_of({}, D(2027, 3, 20))
    assert next(iter(plan)) == "if_unmatched"
    assert all((end or due) >= D(2027, 3, 20) for due, end, _, _ in plan.values())


# (changes, as_of, item, expected (date, status) or None when the item must not show)
ITEM_CASES = [
    # A score on file: never told to sit Step 2 CK.
    ({"step2ck_score": "259"}, D(2026, 7, 1), "step2_sitting", None),
    # v3: due by the latest sitting whose score reaches the first review (21 Sep 2026, the
    # estimated PSCA release, less 28 days: 24 Aug); once that has passed, by the exam
    # deadline (3 Feb 2027), the earliest useful date still ahead; after it, for the next Match.
    ({"step2ck_score": None}, D(2026, 7, 1), "step2_sitting", (D(2026, 8, 24), "Due")),
    ({"step2ck_score": None}, D(2026, 8, 24), "step2_sitting", (D(2026, 8, 24), "Due")),
    ({"step2ck_score": None}, D(2026, 8, 25), "step2_sitting", (D(2027, 2, 3), "Due")),
    ({"step2ck_score": None}, D(2026, 9, 3), "step2_sitting", (D(2027, 2, 3), "Due")),
    ({"step2ck_score": None}, D(2027, 2, 3), "step2_sitting", (D(2027, 2, 3), "Due")),
    ({"step2ck_score": None}, D(2027, 2, 4), "step2_sitting", (D(2027, 8, 23), "Due")),
    # Two US plastics letters on file: never told to get them.
    ({"us_plastics_lors": "2"}, D(2026, 7, 1), "plastics_letters", None),
    # v3: the letters are due by the first review (the PSCA, 21 Sep 2026), not 30 Sep.
    ({"us_plastics_lors": "1"}, D(2026, 7, 1), "plastics_letters", (D(2026, 9, 21), "Due")),
    ({"us_plastics_lors": "1"}, D(2026, 9, 21), "plastics_letters", (D(2026, 9, 21), "Due")),
    ({"us_plastics_lors": "1"}, D(2026, 9, 22), "plastics_letters",
     (D(2026, 9, 21), "Overdue")),
    ({"us_plastics_lors": "1"}, D(2026, 10, 1), "plastics_letters",
     (D(2026, 9, 21), "Overdue")),
    # A missing value is never done.
    ({"us_plastics_lors": None}, D(2026, 7, 1), "plastics_letters", (D(2026, 9, 21), "Due")),
    ({"surgery_lors": "0"}, D(2026, 7, 1), "surgery_letter", (D(2026, 9, 30), "Due")),
    ({"parallel_plan": "no"}, D(2026, 7, 1), "backup_plan", (D(2026, 9, 30), "Due")),
    ({"parallel_plan": "yes"}, D(2026, 7, 1), "backup_plan", None),
    # Research: a research year on file is research started.
    ({"publications": "0", "presentations": "0"}, D(2026, 7, 1), "research_started",
     (D(2025, 7, 1), "Overdue")),
    ({"publications": "0", "presentations": "0", "research_year": "yes"}, D(2026, 7, 1),
     "research_started", None),
    # Step 2 CK: a sitting on file (sat or booked) is the step done: never told to sit it.
    ({"step2ck_score": None, "step2ck_date": "2026-08-24"}, D(2026, 7, 1), "step2_sitting",
     None),
    ({"step2ck_score": None, "step2ck_date": "2026-08-25"}, D(2026, 7, 1), "step2_sitting",
     None),
    # v3: a sitting on file, even too late for the first review, is never "sit Step 2 CK".
    ({"step2ck_score": None, "step2ck_date": "2026-09-20"}, D(2026, 7, 1), "step2_sitting",
     None),
    # ... it is told when the score is due (28 days after the sitting) and to confirm it.
    ({"step2ck_score": None, "step2ck_date": "2026-08-20"}, D(2026, 7, 1), "step2_score",
     (D(2026, 9, 17), "Due")),
    ({"step2ck_score": None, "step2ck_date": "2026-08-20"}, D(2026, 9, 17), "step2_score",
     (D(2026, 9, 17), "Due")),
    ({"step2ck_score": "250", "step2ck_date": "2026-08-20"}, D(2026, 7, 1), "step2_score",
     None),
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
    # v3: from the final year a missing pass is due by the next useful sitting (24 Aug 2026).
    ({"step1_result": "fail"}, D(2026, 7, 1), "step1_pass", (D(2026, 8, 24), "Not applicable")),
    ({"step1_result": "pass"}, D(2026, 7, 1), "step1_pass", None),
    # A fail as the last result on file: the retake's pass must reach programs by review.
    # v3: by the latest sitting for the first review, 24 Aug 2026; once that has passed, by
    # the exam deadline, 3 Feb 2027 (it was 2 Sep 2026, then overdue, in v2).
    ({"step1_result": "fail"}, D(2026, 7, 1), "step1_retake", (D(2026, 8, 24), "Due")),
    ({"step1_result": "fail"}, D(2026, 8, 25), "step1_retake", (D(2027, 2, 3), "Due")),
    ({"step1_result": "fail"}, D(2026, 9, 3), "step1_retake", (D(2027, 2, 3), "Due")),
    # The attempt limit (v3): the last attempt at three, none left from four.
    ({"step1_result": "fail", "step1_attempts": "3"}, D(2026, 7, 1), "step1_last_attempt",
     (D(2026, 8, 24), "Due")),
    ({"step1_result": "fail", "step1_attempts": "3"}, D(2026, 7, 1), "step1_retake", None),
    ({"step1_result": "fail", "step1_attempts": "4"}, D(2026, 7, 1), "step1_no_attempts",
     (D(2026, 7, 1), "Due")),
    ({"step1_result": "fail", "step1_attempts": "4"}, D(2026, 7, 1), "step1_last_attempt",
     None),
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
    # Without a class year a final-year student belongs to the Match under way until its
    # rank list deadline (v3: the 2027 Match, by its exam deadline; v2 moved to 2028) ...
    ({"class_year": None, "step2ck_score": None}, D(2026, 10, 1), "step2_sitting",
     (D(2027, 2, 3), "Due")),
    ({"class_year": None, "step2ck_score": None}, D(2027, 3, 4), "step2_sitting",
     (D(2027, 8, 23), "Due")),
    # ... a clinical student to the next Match whose first review is ahead (2028).
    ({"class_year": None, "stage": "M3", "step2ck_score": None}, D(2026, 10, 1),
     "step2_sitting", (D(2027, 8, 23), "Due")),
    # Steps for integrated plastics alone are off a general-surgery-first plan (v3).
    ({"step2ck_score": "230", "us_plastics_lors": "0"}, D(2026, 7, 1), "plastics_letters",
     None),
    ({"step2ck_score": "230", "us_plastics_subis": "0"}, D(2026, 3, 1), "vslo_applications",
     None),
    ({"step2ck_score": "230", "us_plastics_subis": "0"}, D(2026, 7, 1), "subi_season", None),
    ({"step2ck_score": "230"}, D(2026, 7, 1), "psca_submitted", None),
    ({"step2ck_score": "230", "surgery_lors": "0"}, D(2026, 7, 1), "surgery_letter",
     (D(2026, 9, 30), "Due")),
    ({"step2ck_score": "230", "parallel_plan": "no"}, D(2026, 7, 1), "backup_plan",
     (D(2026, 9, 30), "Due")),
    # The PSCA and its signals, before it releases to programs (9 days before ERAS review).
    ({}, D(2026, 7, 1), "psca_submitted", (D(2026, 9, 21), "Due")),
    ({}, D(2026, 9, 22), "psca_submitted", None),
    # NRMP registration and, for a student at risk, Match week and SOAP (from its Monday).
    ({}, D(2026, 7, 1), "nrmp_registration", (D(2027, 1, 31), "Due")),
    ({"parallel_plan": "no"}, D(2026, 11, 25), "match_week_soap", (D(2027, 3, 15), "Due")),
    ({}, D(2026, 11, 25), "match_week_soap", None),
    # Exams that miss this Match: the re-application, planned for the next Match.
    ({"step2ck_score": None}, D(2027, 2, 4), "reapplication_plan", (D(2027, 2, 4), "Due")),
    ({"step2ck_score": None}, D(2027, 2, 3), "reapplication_plan", None),
    ({}, D(2027, 3, 20), "if_unmatched", (D(2027, 3, 20), "Due")),
    ({}, D(2027, 3, 19), "if_unmatched", None),
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
        "psca_release": {"2027": D(2026, 9, 23)},
        "rank_list_deadline": {"2027": D(2027, 3, 4)},
        "subi_season_end": {"2027": D(2026, 10, 15)},
    }})
    plan = plan_of({"step2ck_score": None, "us_plastics_subis": "0"}, D(2026, 7, 1), config)
    # v3: the first review is the earlier of the PSCA release and ERAS review; both
    # configured, the latest sitting (23 Sep less 28 days) is not estimated.
    assert plan["step2_sitting"] == (D(2026, 8, 26), None, "Due", False)
    assert plan["psca_submitted"] == (D(2026, 9, 23), None, "Due", False)
    assert plan["rank_list"] == (D(2027, 3, 4), None, "Due", False)
    assert plan["subi_season"] == (D(2026, 6, 1), D(2026, 10, 15), "Due", False)
    assert plan["match_day"][3] is True  # not configured: estimated
    assert plan["vslo_applications"][3] is True
    # ERAS review alone configured: the PSCA is estimated 9 days before it, and so is every
    # date that follows from the first review.
    config = config_from_document({"calendar": {"review_opens": {"2027": D(2026, 9, 23)}}})
    plan = plan_of({"step2ck_score": None}, D(2026, 7, 1), config)
    assert plan["step2_sitting"] == (D(2026, 8, 17), None, "Due", True)
    assert plan["psca_submitted"] == (D(2026, 9, 14), None, "Due", True)
    assert plan["applications_submitted"] == (D(2026, 9, 23), None, "Due", False)


CALENDAR_RULES = [
    # (Match year, rank order list deadline, Match Day) by the default rules (v3): Match Day
    # the third Friday of March, the rank list deadline 16 days before it. 2024 in a leap
    # year: 28 Feb, the NRMP's real date (v2's rule gave 6 Mar).
    (2024, D(2024, 2, 28), D(2024, 3, 15)),
    (2025, D(2025, 3, 5), D(2025, 3, 21)),
    (2026, D(2026, 3, 4), D(2026, 3, 20)),
    (2027, D(2027, 3, 3), D(2027, 3, 19)),
    (2028, D(2028, 3, 1), D(2028, 3, 17)),
    (2029, D(2029, 2, 28), D(2029, 3, 16)),  # v3 (v2's rule gave 7 Mar)
    (2030, D(2030, 2, 27), D(2030, 3, 15)),  # the third Friday is the 15th
    (2031, D(2031, 3, 5), D(2031, 3, 21)),
]


@pytest.mark.parametrize(("year", "rank_list", "match_day"), CALENDAR_RULES)
def test_default_calendar_rules(year, rank_list, match_day):
    calendar = Calendar()
    assert calendar.date_of("rank_list_deadline", year) == rank_list
    assert calendar.date_of("match_day", year) == match_day
    assert rank_list.weekday() == 2 and match_day.weekday() == 4
    assert match_day - rank_list == dt.timedelta(days=16)
    assert 15 <= match_day.day <= 21  # the third Friday
    assert calendar.date_of("exam_deadline", year) == rank_list - dt.timedelta(days=28)


def test_a_configured_match_day_moves_the_default_rank_list_deadline():
    calendar = config_from_document({"calendar": {"match_day": {"2027": D(2027, 3, 26)}}}
                                    ).calendar
    assert calendar.date_of("rank_list_deadline", 2027) == D(2027, 3, 10)
    assert calendar.date_of("exam_deadline", 2027) == D(2027, 2, 10)
    with pytest.raises(ConfigError, match="runs backwards"):
        config_from_document({"calendar": {"match_day": {"2027": D(2027, 3, 1)},
                                           "rank_list_deadline": {"2027": D(2027, 3, 3)}}})


def test_nth_weekday_across_month_and_year_ends():
    assert nth_weekday(2024, 3, 2, 1) == D(2024, 3, 6)
    assert nth_weekday(2026, 12, 4, 3) == D(2026, 12, 18)
    assert nth_weekday(2027, 1, 0, 1) == D(2027, 1, 4)


def test_year_end_as_of_keeps_the_cycle_until_review_opens():
    """v3: in December an applicant without a class year belongs to the Match under way
    (2027, until its rank list deadline), so the missing Step 2 CK is due by that Match's exam
    deadline; a clinical student without one is planned for the next Match to review (2028)."""
    plan = plan_of({"class_year": None, "step2ck_score": None}, D(2026, 12, 31))
    assert plan["step2_sitting"][:3] == (D(2027, 2, 3), None, "Due")
    plan = plan_of({"class_year": None, "step2ck_score": None}, D(2027, 1, 1))
    assert plan["step2_sitting"][:3] == (D(2027, 2, 3), None, "Due")
    plan = plan_of({"class_year": None, "stage": "M3", "step2ck_score": None}, D(2026, 12, 31))
    assert plan["step2_sitting"][:3] == (D(2027, 8, 23), None, "Due")
    plan = plan_of({"class_year": None, "stage": "M3", "step2ck_score": None}, D(2027, 1, 1))
    assert plan["step2_sitting"][:3] == (D(2027, 8, 23), None, "Due")


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
    # v3: the letters are due by the first review (the estimated PSCA release).
    assert path["steps"] == [
        ("a backup application", "30 Sep 2026 (estimated)"),
        ("US plastics letters up to the number needed", "21 Sep 2026 (estimated)"),
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
    assert (item, due, overdue) == ("step2_sitting", D(2026, 8, 24), 1)  # research: overdue
    flagged = cohort.flag(Config(), D(2027, 4, 1), materialise=True)  # after Match Day
    [(item, due, until)] = flagged.con.execute(
        "select next_item, next_step_due, next_step_useful_until from next_steps").fetchall()
    # v3: never a step past its last useful date (v2 gave the sitting missed in 2026); the
    # 2027 Match is over, so the plan is for 2028 and begins with the re-application.
    assert (item, due) == ("if_unmatched", D(2027, 4, 1)) and until >= D(2027, 4, 1)


@pytest.mark.parametrize("materialise", [True, False], ids=["dashboard", "cli"])
def test_steps_due_the_same_day_go_by_what_programs_weigh_most(materialise):
    """The letters and the PSCA both fall due at the first review (v3: 21 Sep 2026): the next
    step is the plastics letters; the surgery letter, the backup plan and ERAS all fall due
    when ERAS review opens (30 Sep): the surgery letter, not the reminder to submit that sorts
    first by name (the pick never rests on the order in which rows were read). Missed, the
    letters can be made up until interviews end; after that the next step is the rank list;
    after Match Day (v3) the re-application."""
    cohort = load_rows([{**DONE, "us_plastics_lors": "0", "surgery_lors": "0",
                         "parallel_plan": "no"}])
    expected = [(D(2026, 9, 10), "plastics_letters", D(2026, 9, 21)),
                (D(2026, 11, 25), "plastics_letters", D(2026, 9, 21)),
                (D(2027, 2, 15), "rank_list", D(2027, 3, 3)),
                (D(2027, 4, 1), "if_unmatched", D(2027, 4, 1))]
    for as_of, item, due in expected:
        flagged = cohort.flag(Config(), as_of, materialise=materialise)
        assert flagged.con.execute(
            "select next_item, next_step_due from next_steps").fetchall() == [(item, due)]
    cohort = load_rows([{**DONE, "step2ck_score": "230", "surgery_lors": "0",
                         "parallel_plan": "no"}])
    flagged = cohort.flag(Config(), D(2026, 9, 25), materialise=materialise)
    assert flagged.con.execute("select next_item, next_step_due from next_steps").fetchall() \
        == [("surgery_letter", D(2026, 9, 30))]


def test_a_missing_step1_pass_comes_before_everything_due():
    """A final-year student with Step 1 not taken, or blank, reads 'Pass Step 1' before the
    Step 2 CK sitting due that summer; a preclinical fail's retake is due before the clinical
    year, not at the application; repeated attempts with no result on file get the retake."""
    def next_of(changes, as_of):
        flagged = load_rows([{**DONE, "step2ck_score": None, **changes}]).flag(
            Config(), as_of, materialise=True)
        return flagged.con.execute("select next_item, next_step_due from next_steps").fetchone()

    # v3: from the final year a missing pass is due by the earliest useful sitting still
    # ahead (24 Aug 2026 for the first review), no longer by the end of the preclinical years.
    assert next_of({"step1_result": "not taken", "step1_attempts": "0"}, D(2026, 3, 1)) == (
        "step1_pass", D(2026, 8, 24))
    # v3 design: a blank Step 1 in the final year is a result to confirm.
    assert next_of({"step1_result": None}, D(2026, 3, 1)) == ("step1_confirm", D(2026, 8, 24))
    # In the clinical year too (Step 1 comes before clerkships); before it, the exam to pass.
    assert next_of({"step1_result": None, "class_year": "2028", "stage": "M3"},
                   D(2026, 3, 1)) == ("step1_confirm", D(2026, 6, 30))
    assert next_of({"step1_result": None, "class_year": "2029", "stage": "M2"},
                   D(2026, 3, 1)) == ("step1_pass", D(2027, 6, 30))
    assert next_of({"step1_result": None, "step1_attempts": "2"}, D(2026, 3, 1)) == (
        "step1_retake", D(2026, 8, 24))
    assert next_of({"step1_result": "fail", "class_year": "2029", "stage": "M2"},
                   D(2026, 3, 1)) == ("step1_retake", D(2027, 6, 30))
    assert next_of({"step1_result": "pass"}, D(2026, 3, 1)) == ("step2_sitting", D(2026, 8, 24))
    # The attempt limit: the last attempt, and none left (due now).
    assert next_of({"step1_result": "fail", "step1_attempts": "3"}, D(2026, 3, 1)) == (
        "step1_last_attempt", D(2026, 8, 24))
    assert next_of({"step1_result": "fail", "step1_attempts": "4"}, D(2026, 3, 1)) == (
        "step1_no_attempts", D(2026, 3, 1))
    # A failed Step 2 CK: the retake, even in November when the interview season is on; v3:
    # by the exam deadline, the earliest useful date still ahead (v2: 2 Sep, past).
    assert next_of({"step2ck_score": "205"}, D(2026, 11, 25)) == ("step2_retake", D(2027, 2, 3))


@pytest.mark.parametrize("materialise", [True, False], ids=["dashboard", "cli"])
@pytest.mark.parametrize(("changes", "item", "due"), [
    # Letters missing after review opened: the missed task, not the interview season.
    ({"us_plastics_lors": "1"}, "plastics_letters", D(2026, 9, 21)),  # v3: first review
    # The exams come first for a student whose exams are due (v3: by the exam deadline, the
    # earliest useful date still ahead): the retake before Step 2 CK, Step 2 CK before the
    # letters.
    ({"step1_result": "fail", "step2ck_score": None}, "step1_retake", D(2027, 2, 3)),
    ({"step2ck_score": None, "us_plastics_lors": "1"}, "step2_sitting", D(2027, 2, 3)),
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
    passed; the CSV keeps the step's plain label beside its date (docs/advisor-guide.md)."""
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
    # v3: 10 Sep, after the program list's reminder and before the first review (21 Sep).
    on_time = load_rows([{**DONE, "us_plastics_lors": "1"}]).flag(
        Config(), D(2026, 9, 10), materialise=True)
    frame, _ = student_page(on_time, StudentFilter(), page=1, page_size=10)
    assert frame["next_step"].tolist() == ["Two US plastics letters"]


@pytest.mark.parametrize(("changes", "as_of", "item"), [
    # A clinical-year student who failed Step 1: the retake first, not research or mentors.
    ({"class_year": "2028", "stage": "M3", "step1_result": "fail", "publications": "0",
      "presentations": "0", "us_plastics_lors": "0", "us_plastics_subis": "0"},
     D(2026, 3, 1), "step1_retake"),
    # In March with no sub-I: apply on VSLO now, before the sub-I itself.
    ({"us_plastics_subis": "0", "us_plastics_lors": "0"}, D(2026, 3, 1), "vslo_applications"),
    # Step 2 CK sat in July with no score yet: never "sit Step 2 CK"; v3: told when the score
    # is due and to confirm it (the missing exam comes first while exams are due).
    ({"step2ck_score": None, "step2ck_date": "2026-07-20", "us_plastics_lors": "1"},
     D(2026, 8, 20), "step2_score"),
], ids=["clinical-step1-fail", "vslo-in-march", "step2-sat-no-score"])
def test_next_steps_an_advisor_would_give(changes, as_of, item):
    flagged = load_rows([{**DONE, **changes}]).flag(Config(), as_of, materialise=True)
    assert flagged.con.execute("select next_item from next_steps").fetchone()[0] == item


def test_a_reminder_ahead_comes_before_a_missed_task():
    """The applications are still ahead in August: a reminder for them (v3: the program list,
    the PSCA or ERAS, whichever is soonest) comes before research that was due two summers
    before."""
    flagged = load_rows([{**DONE, "publications": "0", "presentations": "0"}]).flag(
        Config(), D(2026, 8, 1), materialise=True)
    [(next_item, due, count_overdue)] = flagged.con.execute(
        "select next_item, next_step_due, count_overdue from next_steps").fetchall()
    assert PLAN_ITEMS_BY_ID[next_item].kind == "reminder" and due >= D(2026, 8, 1)
    assert next_item in ("plastics_targeted_list", "psca_submitted", "applications_submitted")
    assert count_overdue == 1


def test_the_plan_lists_each_item_with_its_kind_in_the_catalogue():
    """The SQL that builds the plan says task, reminder or event as PLAN_ITEMS does, which the
    next-step rule reads."""
    # v3: one student per new item too (the attempt limit, a sitting awaited or booked late,
    # the strategy's list, the PSCA, re-applying, SOAP).
    cohort = load_rows([
        {**DONE, "student_id": "A", "stage": "M2", "class_year": "2029", "step2ck_score": None,
         "us_plastics_lors": "0", "surgery_lors": "0", "publications": "0",
         "presentations": "0", "us_plastics_subis": "0", "parallel_plan": "no"},
        {**DONE, "student_id": "B", "step1_result": "fail"},
        {**DONE, "student_id": "C", "step1_result": "fail", "step1_attempts": "2",
         "class_year": "2028"},
        {**DONE, "student_id": "D", "step2ck_score": "205"},
        {**DONE, "student_id": "E", "step1_result": "fail", "step1_attempts": "3"},
        {**DONE, "student_id": "F", "step1_result": "fail", "step1_attempts": "4"},
        {**DONE, "student_id": "G", "step1_result": None},
        {**DONE, "student_id": "H", "step2ck_score": None, "step2ck_date": "2026-07-01"},
        {**DONE, "student_id": "I", "step2ck_score": None, "step2ck_date": "2027-02-20"},
        {**DONE, "student_id": "J", "publications": "10", "presentations": "5"},
        {**DONE, "student_id": "K", "step2ck_score": "230"},
        {**DONE, "student_id": "L", "class_year": "2026", "step2ck_score": None},
        {**DONE, "student_id": "M", "class_year": "2025"},
    ])
    flagged = cohort.flag(Config(), D(2026, 2, 10), materialise=True)
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


# --- SPEC v3 section 4, "The plan and the next step" --------------------------------------

def next_steps_of(rows: list[dict], as_of: D, materialise: bool = True) -> list[dict]:
    flagged = load_rows(rows).flag(Config(), as_of, materialise=materialise)
    relation = flagged.con.sql(
        "select n.*, f.student_id, f.strategy, f.cycle_status, f.match_year, f.step2ck_score, "
        "f.step2ck_date from next_steps n join flagged_students f using (source_row) "
        "order by source_row")
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def next_of_one(changes: dict, as_of: D, materialise: bool = True) -> dict:
    [row] = next_steps_of([{**DONE, **changes}], as_of, materialise)
    return row


def plan_rows_of(changes: dict, as_of: D, materialise: bool) -> dict[str, tuple]:
    """item -> (due date, end date, status), read from the student_plans the app or the CLI
    builds."""
    flagged = load_rows([{**DONE, **changes}]).flag(Config(), as_of, materialise=materialise)
    return {item: (due, end, status) for item, due, end, status in flagged.con.execute(
        "select item, due_date, end_date, status from student_plans").fetchall()}


PLASTICS_ONLY = {"plastics_letters", "subi_season", "vslo_applications", "psca_submitted",
                 "plastics_broad_list", "plastics_targeted_list", "mentors_found"}
SPEC_DATES = [D(2026, 1, 10), D(2026, 3, 1), D(2026, 7, 1), D(2026, 8, 25), D(2026, 9, 21),
              D(2026, 11, 25), D(2027, 2, 4), D(2027, 3, 10), D(2027, 3, 20)]


@pytest.fixture(scope="module")
def sample_next_steps():
    from dashboard.engine import load_cohort
    from dashboard.importer import read_cohort
    from dashboard.sql import sample_cohort_bytes

    out = {}
    for materialise in (True, False):
        cohort = load_cohort(read_cohort(sample_cohort_bytes(), "cohort.csv"))
        for as_of in SPEC_DATES:
            flagged = cohort.flag(Config(), as_of, materialise=materialise)
            relation = flagged.con.sql(
                "select n.*, f.student_id, f.strategy, f.cycle_status, f.step2ck_score, "
                "f.step2ck_date from next_steps n join flagged_students f using (source_row)")
            out[(materialise, as_of)] = [dict(zip(relation.columns, row, strict=True))
                                         for row in relation.fetchall()]
    return out


@pytest.mark.parametrize("materialise", [True, False], ids=["dashboard", "cli"])
@pytest.mark.parametrize("as_of", SPEC_DATES, ids=str)
def test_the_sample_cohorts_next_steps_obey_the_spec(sample_next_steps, as_of, materialise):
    """SPEC 4: never a step past its last useful date, nor due before as-of unless still worth
    doing; never "sit Step 2 CK" with a score or a sitting on file; never a plastics-only step
    for general surgery first; for exams_due, the missing exam."""
    rows = sample_next_steps[(materialise, as_of)]
    assert len(rows) == 150
    for row in rows:
        item, due, until = row["next_item"], row["next_step_due"], row["next_step_useful_until"]
        assert item is not None, row["student_id"]
        assert until >= as_of, row["student_id"]
        assert due >= as_of or until >= as_of, row["student_id"]
        if row["step2ck_score"] is not None or row["step2ck_date"] is not None:
            assert item != "step2_sitting", row["student_id"]
        if row["strategy"] == "general_surgery_first":
            assert item not in PLASTICS_ONLY, row["student_id"]
        if row["cycle_status"] == "exams_due":
            assert item in EXAM_ITEMS, row["student_id"]


@pytest.mark.parametrize("materialise", [True, False], ids=["dashboard", "cli"])
@pytest.mark.parametrize(("changes", "as_of", "item", "due"), [
    # The missing exam, due by the earliest useful date still ahead: the latest sitting for
    # the first review (24 Aug 2026), else the exam deadline (3 Feb 2027) ...
    ({"step2ck_score": None}, D(2026, 7, 1), "step2_sitting", D(2026, 8, 24)),
    ({"step2ck_score": None}, D(2026, 8, 24), "step2_sitting", D(2026, 8, 24)),
    ({"step2ck_score": None}, D(2026, 8, 25), "step2_sitting", D(2027, 2, 3)),
    ({"step2ck_score": None}, D(2027, 2, 3), "step2_sitting", D(2027, 2, 3)),
    ({"step1_result": "not taken"}, D(2026, 8, 24), "step1_pass", D(2026, 8, 24)),
    ({"step1_result": "not taken"}, D(2026, 8, 25), "step1_pass", D(2027, 2, 3)),
    ({"step2ck_score": "205"}, D(2026, 8, 25), "step2_retake", D(2027, 2, 3)),
    # ... before anything else the student lacks.
    ({"step2ck_score": None, "us_plastics_lors": "0", "us_plastics_subis": "0",
      "parallel_plan": "no"}, D(2026, 3, 1), "step2_sitting", D(2026, 8, 24)),
    ({"step1_result": "not taken", "step2ck_score": None, "us_plastics_lors": "0"},
     D(2026, 11, 25), "step1_pass", D(2027, 2, 3)),
], ids=["step2-july", "step2-latest-day", "step2-after-latest", "step2-deadline-day",
        "step1-latest-day", "step1-after-latest", "step2-retake", "step2-before-all",
        "step1-before-all"])
def test_an_exams_due_student_is_told_the_missing_exam(changes, as_of, item, due,
                                                        materialise):
    row = next_of_one(changes, as_of, materialise)
    assert row["cycle_status"] == "exams_due"
    assert (row["next_item"], row["next_step_due"]) == (item, due)
    # SPEC 4: a missing pass is useful until the exam deadline of the cycle (3 Feb 2027).
    assert row["next_step_useful_until"] == D(2027, 2, 3)


@pytest.mark.parametrize("materialise", [True, False], ids=["dashboard", "cli"])
@pytest.mark.parametrize(("sitting", "as_of", "score_due"), [
    ("2026-07-20", D(2026, 7, 1), D(2026, 8, 17)),
    ("2026-07-20", D(2026, 8, 20), D(2026, 8, 17)),  # late, still worth confirming
    ("2026-08-24", D(2026, 7, 1), D(2026, 9, 21)),
    # Booked too late for the first review: still a sitting on file, never to book again
    # (SPEC 4: "is never told to sit or book Step 2 CK (the second is told when the score
    # is due and to confirm it)").
    ("2026-09-20", D(2026, 7, 1), D(2026, 10, 18)),
    ("2027-01-20", D(2026, 10, 1), D(2027, 2, 17)),
    ("2027-01-20", D(2027, 2, 10), D(2027, 2, 17)),
])
def test_a_sitting_on_file_is_told_when_its_score_is_due(sitting, as_of, score_due,
                                                         materialise):
    row = next_of_one({"step2ck_score": None, "step2ck_date": sitting}, as_of, materialise)
    assert row["next_item"] not in ("step2_sitting", "step2_reschedule")
    assert (row["next_item"], row["next_step_due"]) == ("step2_score", score_due)
    assert row["next_step_useful_until"] >= as_of


@pytest.mark.parametrize("materialise", [True, False], ids=["dashboard", "cli"])
@pytest.mark.parametrize("as_of", SPEC_DATES, ids=str)
def test_general_surgery_first_never_gets_a_plastics_only_step(as_of, materialise):
    rows = next_steps_of([
        {**DONE, "student_id": "A", "step2ck_score": "230", "us_plastics_lors": "0",
         "us_plastics_subis": "0", "publications": "0", "presentations": "0"},
        {**DONE, "student_id": "B", "step1_result": "fail", "step2ck_score": "245",
         "us_plastics_lors": "1", "us_plastics_subis": "0", "parallel_plan": "no"},
        {**DONE, "student_id": "C", "class_year": "2028", "stage": "M3", "step2ck_score": "225",
         "us_plastics_lors": "0", "us_plastics_subis": "0"},
    ], as_of, materialise)
    for row in rows:
        assert row["strategy"] == "general_surgery_first"
        assert row["next_item"] not in PLASTICS_ONLY, (row["student_id"], row["next_item"])
    flagged = load_rows([{**DONE, "step2ck_score": "230", "us_plastics_lors": "0",
                          "us_plastics_subis": "0"}]).flag(Config(), as_of,
                                                          materialise=materialise)
    items = {item for (item,) in flagged.con.execute(
        "select item from student_plans").fetchall()}
    assert not items & PLASTICS_ONLY, sorted(items & PLASTICS_ONLY)


@pytest.mark.parametrize("materialise", [True, False], ids=["dashboard", "cli"])
def test_between_the_first_review_and_match_day_the_plan_follows_the_season(materialise):
    at_risk = plan_rows_of({"parallel_plan": "no"}, D(2026, 11, 25), materialise)
    assert {"interview_season", "nrmp_registration", "rank_list", "match_week_soap",
            "match_day"} <= set(at_risk)
    assert at_risk["interview_season"][:2] == (D(2026, 10, 1), D(2027, 1, 31))
    assert at_risk["rank_list"][0] == D(2027, 3, 3)
    assert at_risk["match_week_soap"][0] == D(2027, 3, 15)  # the Monday of Match week
    assert at_risk["match_day"][0] == D(2027, 3, 19)
    low = plan_rows_of({}, D(2026, 11, 25), materialise)
    assert "match_week_soap" not in low and "rank_list" in low
    # Match week: SOAP is the next step of a student at risk, Match Day of one who is not.
    soap = next_of_one({"parallel_plan": "no"}, D(2027, 3, 10), materialise)
    # Due on the Monday the student learns whether they matched, not the Thursday SOAP ends.
    assert (soap["next_item"], soap["next_step_due"]) == ("match_week_soap", D(2027, 3, 15))
    assert next_of_one({}, D(2027, 3, 10), materialise)["next_item"] == "match_day"
    # The day after Match Day: what to do if unmatched.
    row = next_of_one({"parallel_plan": "no"}, D(2027, 3, 20), materialise)
    assert (row["next_item"], row["cycle_status"], row["match_year"]) == (
        "if_unmatched", "cycle_over", 2028)


@pytest.mark.parametrize("materialise", [True, False], ids=["dashboard", "cli"])
def test_after_match_day_the_plan_is_for_the_next_match(materialise):
    """SPEC 4: a dated plan to match_year (2028 for the class of 2027 once its Match Day has
    passed); nothing dated for the Match that is over."""
    as_of = D(2027, 3, 20)
    plan = plan_rows_of({"step2ck_score": None, "us_plastics_lors": "0"}, as_of, materialise)
    assert plan["rank_list"][0] == D(2028, 3, 1)
    assert plan["match_day"][0] == D(2028, 3, 17)
    assert plan["step2_sitting"][:1] == (D(2027, 8, 23),)  # the 2028 latest sitting
    assert plan["plastics_letters"][:1] == (D(2027, 9, 20),)  # the 2028 first review
    assert all(status != "overdue" or item in ("research_started",)
               for item, (_, _, status) in plan.items()), plan


@pytest.mark.parametrize("materialise", [True, False], ids=["dashboard", "cli"])
def test_exams_that_miss_the_match_move_the_plan_to_the_next(materialise):
    """The day after the 2027 exam deadline a student without Step 2 CK is out of cycle: the
    plan is for 2028 (its sitting by 23 Aug 2027, its rank list on 1 Mar 2028), never the
    2027 rank list or Match week, which the student can no longer enter."""
    as_of = D(2027, 2, 4)
    row = next_of_one({"step2ck_score": None}, as_of, materialise)
    assert (row["cycle_status"], row["match_year"], row["next_item"]) == (
        "out_of_cycle", 2028, "reapplication_plan")
    plan = plan_rows_of({"step2ck_score": None}, as_of, materialise)
    assert plan["step2_sitting"] == (D(2027, 8, 23), None, "due")
    assert plan["rank_list"][0] == D(2028, 3, 1)
    assert plan["match_day"][0] == D(2028, 3, 17)
    assert "match_week_soap" not in plan or plan["match_week_soap"][0] == D(2028, 3, 13)


def test_the_plan_says_its_match_year_in_words():
    from dashboard.advice import plan_summary

    _, on_time = student_row({"step2ck_score": None}, D(2026, 7, 1))
    assert plan_summary(on_time).startswith("Plan for the 2027 Match")
    _, missed = student_row({"step2ck_score": None}, D(2027, 2, 4))
    assert plan_summary(missed).startswith(
        "Plan for the 2028 Match (the student's cycle was the 2027 Match)")
    _, over = student_row({}, D(2027, 3, 20))
    assert plan_summary(over).startswith("Plan for the 2028 Match")
