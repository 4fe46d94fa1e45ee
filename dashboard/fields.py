"""The canonical cohort schema and the header spellings that map to it (README "Input")."""

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
          ("name", "student name", "full name", "student full name", "name of student",
           "last, first", "first last", "last name, first name", "preferred name"),
          "Display name."),
    Field("email", "text", "Email",
          ("email", "e-mail", "email address", "student email", "mail"),
          "Contact email."),
    Field("class_year", "integer", "Class year",
          ("class year", "class", "class of", "match year", "graduation year", "grad year",
           "expected match year", "cohort year", "match cycle", "application cycle"),
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
           "usmle step 1 attempts", "step 1 tries"),
          "Step 1 attempts so far."),
    Field("step2ck_score", "score", "Step 2 CK score",
          ("step 2 ck", "step2ck", "step 2 ck score", "usmle step 2 ck", "ck score",
           "step2 ck", "step 2ck", "step 2 score", "step2 score", "usmle step 2 ck score",
           "step 2ck score", "step2ck score"),
          "Score 1-300; empty when there is no score yet."),
    Field("step2ck_date", "date", "Step 2 CK date",
          ("step 2 ck date", "step2ck date", "ck date", "step 2 date", "step 2 ck exam date",
           "step 2 ck test date", "step 2 ck scheduled", "step2 date", "ck exam date",
           "step 2 ck scheduled date", "step 2 test date", "step 2 exam date",
           "step 2 ck exam", "step 2 ck test"),
          "Date Step 2 CK was taken or is scheduled."),
    Field("practice_scores", "score_list", "Practice scores",
          ("practice scores", "nbme scores", "uwsa scores", "practice exams",
           "nbme uwsa", "nbme/uwsa", "practice step 2 scores", "predicted scores",
           "nbme", "step 2 practice scores", "self assessments", "nbme/uwsa scores",
           "practice exam scores"),
          "Recent NBME/UWSA predicted Step 2 CK scores, separated by ; , / or spaces."),
    Field("us_plastics_lors", "count", "US plastics letters",
          ("us plastics lors", "us plastic surgery letters", "plastics letters", "us prs lors",
           "plastics lors", "us plastic surgery lors", "prs letters", "prs lors",
           "us plastics letters", "plastic surgery letters", "us plastics lor", "us prs lor",
           "us prs letters", "lors us plastics", "plastics lor"),
          "Letters from US plastic surgeons."),
    Field("surgery_lors", "count", "Surgery letters",
          ("surgery lors", "general surgery letters", "surgery letters", "gs lors",
           "surgical letters", "general surgery lors", "other surgery lors", "surgery lor",
           "gs letters", "gs lor", "general surgery lor", "surgical lors"),
          "Letters from general surgeons or other surgical mentors."),
    Field("publications", "count", "Publications",
          ("pubs", "publications", "plastic surgery publications", "plastics publications",
           "papers", "prs publications", "plastics pubs", "research pubs",
           "research publications", "prs pubs"),
          "Plastic surgery publications."),
    Field("presentations", "count", "Presentations",
          ("presentations", "abstracts", "posters", "plastics presentations",
           "abstracts posters", "posters/abstracts", "podium presentations",
           "plastic surgery presentations", "posters abstracts presentations"),
          "Plastic surgery abstracts, posters and podium talks."),
    Field("us_plastics_subis", "count", "US plastics sub-Is",
          ("sub-is", "us plastics sub-is", "sub internships", "subis", "sub-internships",
           "us sub-is", "plastics sub-is", "us plastics subis", "plastics subis",
           "us plastic surgery sub-is", "sub-i", "us prs sub-is", "plastics sub-internships",
           "us plastics sub-internships"),
          "US plastic surgery sub-internships done or booked."),
    Field("research_year", "boolean", "Research year",
          ("research year", "dedicated research year", "research gap year", "research fellowship",
           "research yr", "dedicated research yr"),
          "Dedicated research year (yes/no)."),
    Field("parallel_plan", "boolean", "Parallel plan",
          ("parallel plan", "backup plan", "backup", "parallel application", "dual apply",
           "parallel", "backup specialty", "backup specialties", "parallel specialty"),
          "Applying to a backup such as categorical general surgery (yes/no)."),
)

FIELD_NAMES: tuple[str, ...] = tuple(field.name for field in FIELDS)
FIELDS_BY_NAME: dict[str, Field] = {field.name: field for field in FIELDS}


# Headers that could mean two things: never mapped alone, offered to the advisor instead.
AMBIGUOUS_HEADERS: dict[str, tuple[str, ...]] = {
    "away rotations": ("us_plastics_subis",),
    "aways": ("us_plastics_subis",),
    "away rotation": ("us_plastics_subis",),
    "letters": ("us_plastics_lors", "surgery_lors"),
    "lors": ("us_plastics_lors", "surgery_lors"),
    "letters of recommendation": ("us_plastics_lors", "surgery_lors"),
    "score": ("step2ck_score",),
    "scores": ("step2ck_score", "practice_scores"),
    "research": ("publications", "presentations", "research_year"),
    "date": ("step2ck_date",),
}

_SYMBOLS = re.compile(r"[/\-_.()&:,;'\"\[\]+*|?!]+")
_COUNT_WORDS = frozenset({"no", "num", "count", "total", "#", "nr", "qty"})


def written_key(header: str) -> str:
    """A header as written, ignoring case and spacing: `Student #` is `student#`."""
    return "".join(header.casefold().split())


def loose_key(header: str) -> str:
    """A header ignoring punctuation and symbols, word order and count words: `# US PRS
    LORs` and `LORs (US PRS) number of` are both `lors prs us`."""
    words = _SYMBOLS.sub(" ", header.casefold().replace("#", " # ")).split()
    kept = []
    for position, word in enumerate(words):
        follows_count = position > 0 and words[position - 1] in _COUNT_WORDS | {"number"}
        if word in _COUNT_WORDS or (word == "number" and words[position + 1:position + 2]
                                    == ["of"]) or (word == "of" and follows_count):
            continue
        kept.append(word)
    return " ".join(sorted(kept))


def _spellings(field: Field) -> tuple[str, ...]:
    return (field.name, field.name.replace("_", " "), field.label, *field.synonyms)


_BY_WRITTEN: dict[str, str] = {}
_BY_LOOSE: dict[str, str] = {}
for _field in FIELDS:
    for _spelling in _spellings(_field):
        _BY_WRITTEN.setdefault(written_key(_spelling), _field.name)
        _BY_LOOSE.setdefault(loose_key(_spelling), _field.name)
_AMBIGUOUS_LOOSE = {loose_key(header): fields for header, fields in AMBIGUOUS_HEADERS.items()}


def match_field(header: str) -> str | None:
    """The canonical field a file's column header names, or None (ambiguous headers too)."""
    if loose_key(header) in _AMBIGUOUS_LOOSE:
        return None
    return _BY_WRITTEN.get(written_key(header)) or _BY_LOOSE.get(loose_key(header))


def suggested_fields(header: str) -> tuple[str, ...]:
    """The fields an ambiguous header could mean; empty for any other header."""
    return _AMBIGUOUS_LOOSE.get(loose_key(header), ())


@dataclass(frozen=True)
class HeaderMatch:
    mapping: dict[str, str]  # canonical field -> file column
    repeated: dict[str, list[str]]  # field -> the later columns that named it too (unmapped)
    suggestions: dict[str, tuple[str, ...]]  # ambiguous file column -> fields it could mean


def match_headers(headers: list[str]) -> HeaderMatch:
    """The first column naming a field wins; later ones are kept as unmapped and reported."""
    mapping: dict[str, str] = {}
    repeated: dict[str, list[str]] = {}
    suggestions: dict[str, tuple[str, ...]] = {}
    for header in headers:
        field = match_field(header)
        if field is None:
            if suggested_fields(header):
                suggestions[header] = suggested_fields(header)
        elif field in mapping:
            repeated.setdefault(field, []).append(header)
        else:
            mapping[field] = header
    return HeaderMatch(mapping, repeated, suggestions)


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Map canonical field -> file column; the first column naming a field wins."""
    return match_headers(headers).mapping


TEMPLATE_EXAMPLE = {
    "student_id": "S0001", "name": "Example Student", "email": "student@example.edu",
    "class_year": "2027", "stage": "M4", "campus": "Main campus", "advisor": "Dr. Example",
    "step1_result": "Pass", "step1_attempts": "1", "step2ck_score": "248",
    "step2ck_date": "2026-06-15", "practice_scores": "245;250", "us_plastics_lors": "2",
    "surgery_lors": "1", "publications": "2", "presentations": "1", "us_plastics_subis": "1",
    "research_year": "No", "parallel_plan": "Yes",
}


def template_csv() -> bytes:
    """A cohort template: every field under its label, one invented example row."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([field.label for field in FIELDS])
    writer.writerow([TEMPLATE_EXAMPLE[field.name] for field in FIELDS])
    return buffer.getvalue().encode("utf-8")
