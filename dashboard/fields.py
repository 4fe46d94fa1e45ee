"""The canonical cohort schema (SPEC section 1) and the header spellings that map to it."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text, integer, count, score, enum, date, score_list, boolean
    label: str
    synonyms: tuple[str, ...]
    description: str


FIELDS: tuple[Field, ...] = (
    Field("student_id", "text", "Student ID",
          ("id", "student id", "student_id", "student number", "sid", "student no",
           "student #", "student identifier", "id number"),
          "Unique identifier; required."),
    Field("name", "text", "Name",
          ("name", "student name", "full name", "student", "student full name"),
          "Display name."),
    Field("email", "text", "Email",
          ("email", "e-mail", "email address", "student email", "mail"),
          "Contact email."),
    Field("class_year", "integer", "Class year",
          ("class year", "class", "class of", "match year", "graduation year", "grad year",
           "expected match year", "cohort year"),
          "Expected Match year, e.g. 2027."),
    Field("stage", "enum", "Stage",
          ("stage", "year in school", "training stage", "current stage", "level",
           "program stage", "school year", "med school year"),
          "preclinical (M1-M2), clinical (M3), final_year (M4) or applying."),
    Field("campus", "text", "Campus",
          ("campus", "site", "cohort", "location", "campus site", "school"),
          "Site or cohort label."),
    Field("advisor", "text", "Advisor",
          ("advisor", "adviser", "assigned advisor", "faculty advisor", "advisor name"),
          "Assigned advisor."),
    Field("step1_result", "enum", "Step 1 result",
          ("usmle step 1", "step 1", "step1", "step 1 result", "step1 result",
           "usmle step 1 result", "step 1 status", "step 1 outcome"),
          "pass, fail or not_taken."),
    Field("step1_attempts", "count", "Step 1 attempts",
          ("step 1 attempts", "step1 attempts", "step 1 attempt count",
           "number of step 1 attempts", "attempts step 1", "usmle step 1 attempts"),
          "Step 1 attempts so far."),
    Field("step2ck_score", "score", "Step 2 CK score",
          ("step 2 ck", "step2ck", "step 2 ck score", "usmle step 2 ck", "ck score",
           "step2 ck", "step 2ck", "step 2 score", "step2 score", "usmle step 2 ck score",
           "step 2ck score"),
          "Score 1-300; empty when there is no score yet."),
    Field("step2ck_date", "date", "Step 2 CK date",
          ("step 2 ck date", "step2ck date", "ck date", "step 2 date", "step 2 ck exam date",
           "step 2 ck test date", "step 2 ck scheduled", "step2 date"),
          "Date Step 2 CK was taken or is scheduled."),
    Field("practice_scores", "score_list", "Practice scores",
          ("practice scores", "nbme scores", "uwsa scores", "practice exams",
           "nbme uwsa", "nbme/uwsa", "practice step 2 scores", "predicted scores",
           "nbme", "step 2 practice scores", "self assessments"),
          "Recent NBME/UWSA predicted Step 2 CK scores, separated by ; , / or spaces."),
    Field("us_plastics_lors", "count", "US plastics letters",
          ("us plastics lors", "us plastic surgery letters", "plastics letters", "us prs lors",
           "plastics lors", "us plastic surgery lors", "prs letters", "prs lors",
           "us plastics letters", "plastic surgery letters", "us plastics lor"),
          "Letters from US plastic surgeons."),
    Field("surgery_lors", "count", "Surgery letters",
          ("surgery lors", "general surgery letters", "surgery letters", "gs lors",
           "surgical letters", "general surgery lors", "other surgery lors", "surgery lor"),
          "Letters from general surgeons or other surgical mentors."),
    Field("publications", "count", "Publications",
          ("pubs", "publications", "plastic surgery publications", "plastics publications",
           "papers", "prs publications", "plastics pubs"),
          "Plastic surgery publications."),
    Field("presentations", "count", "Presentations",
          ("presentations", "abstracts", "posters", "plastics presentations",
           "abstracts posters", "podium presentations", "plastic surgery presentations"),
          "Plastic surgery abstracts, posters and podium talks."),
    Field("us_plastics_subis", "count", "US plastics sub-Is",
          ("sub-is", "us plastics sub-is", "sub internships", "subis", "sub-internships",
           "us sub-is", "plastics sub-is", "us plastics subis", "plastics subis",
           "away rotations", "aways", "us plastic surgery sub-is", "sub-i"),
          "US plastic surgery sub-internships done or booked."),
    Field("research_year", "boolean", "Research year",
          ("research year", "dedicated research year", "research gap year", "research fellowship"),
          "Dedicated research year (yes/no)."),
    Field("parallel_plan", "boolean", "Parallel plan",
          ("parallel plan", "backup plan", "backup", "parallel application", "dual apply",
           "parallel", "backup specialty"),
          "Applying to a backup such as categorical general surgery (yes/no)."),
)

FIELD_NAMES: tuple[str, ...] = tuple(field.name for field in FIELDS)
FIELDS_BY_NAME: dict[str, Field] = {field.name: field for field in FIELDS}


def normalise_header(header: str) -> str:
    """The form headers are compared in: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z#]", "", header.casefold())


_SYNONYMS: dict[str, str] = {}
for _field in FIELDS:
    for _spelling in (_field.name, _field.label, *_field.synonyms):
        _SYNONYMS.setdefault(normalise_header(_spelling), _field.name)


def match_field(header: str) -> str | None:
    """The canonical field a file's column header names, or None."""
    return _SYNONYMS.get(normalise_header(header))


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Map canonical field -> file column; the first column naming a field wins."""
    mapping: dict[str, str] = {}
    for header in headers:
        field = match_field(header)
        if field is not None and field not in mapping:
            mapping[field] = header
    return mapping
