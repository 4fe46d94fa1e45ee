"""The canonical cohort schema and the header spellings that map to it (docs/reference.md,
"Input")."""

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
           "student #", "student identifier", "id number", "banner id", "emplid",
           "student id number", "university id"),
          "Unique identifier; required."),
    Field("name", "text", "Name",
          ("name", "student name", "full name", "student full name", "name of student",
           "last, first", "first last", "last name, first name"),
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
           "usmle step 1 attempts", "step 1 tries", "step 1 attempt"),
          "Step 1 attempts so far."),
    Field("step2ck_score", "score", "Step 2 CK score",
          ("step 2 ck", "step2ck", "step 2 ck score", "usmle step 2 ck", "ck score",
           "step2 ck", "step 2ck", "step 2 score", "step2 score", "usmle step 2 ck score",
           "step 2ck score", "step2ck score", "step 2 ck result"),
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
           "practice exam scores", "step 2 ck practice scores", "uwsa", "nbme uwsa scores"),
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
           "us plastics sub-internships", "plastics sub-i", "us plastics sub-i"),
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
# The fields of the headline risk factors: a file that feeds none of them is said so first.
HEADLINE_FIELDS: tuple[str, ...] = ("step1_result", "step2ck_score", "us_plastics_lors")
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

_SYMBOLS = re.compile(r"[/\\\-_.()&:,;'\"\[\]+*|?!<>=]+")
_COUNT_WORDS = frozenset({"no", "num", "count", "total", "#", "nr", "qty"})
_STOP_WORDS = frozenset({"of", "the", "a", "an", "in", "for", "and"})
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
# Abbreviations registrars write, as the words they stand for (docs/reference.md "Input").
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "yr": ("year",), "exp": ("expected",), "expt": ("expected",), "surg": ("surgery",),
    "gen": ("general",), "prs": ("plastic", "surgery"), "gs": ("general", "surgery"),
    "lor": ("letter",), "ltr": ("letter",), "pub": ("publication",), "subi": ("sub", "i"),
    "pres": ("presentation",), "grad": ("graduation",), "recs": ("letter",),
}
_SPLIT_DIGITS = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=ck\b)")


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def header_words(header: str) -> tuple[str, ...]:
    """A header as the words it is made of: punctuation, count words and small words gone,
    Roman numerals after `step` as numbers, plurals singular, abbreviations spelled out
    (`USMLE Step II CK Score` is usmle step 2 ck score; `Surgery/GS LORs` is surgery general
    surgery letter)."""
    text = _SPLIT_DIGITS.sub(" ", header.casefold().replace("#", " # "))
    words = _SYMBOLS.sub(" ", text).split()
    kept: list[str] = []
    for position, word in enumerate(words):
        follows_count = position > 0 and words[position - 1] in _COUNT_WORDS | {"number"}
        if word in _COUNT_WORDS or (word == "number" and words[position + 1:position + 2]
                                    == ["of"]) or (word == "of" and follows_count):
            continue
        if word in _STOP_WORDS:
            continue
        if kept and kept[-1] == "step" and word in _ROMAN:
            word = _ROMAN[word]
        if kept and kept[-1] == "sub" and word in ("is", "i"):
            kept.append("i")
            continue
        word = _singular(word)
        kept.extend(ABBREVIATIONS.get(word, (word,)))
    return tuple(kept)


def written_key(header: str) -> str:
    """A header as written, ignoring case and spacing: `Student #` is `student#`."""
    return "".join(header.casefold().split())


def loose_key(header: str) -> str:
    """A header ignoring punctuation and symbols, word order, count words, plurals and
    abbreviations: `# US PRS LORs` and `LORs (US PRS) number of` are both
    `letter plastic surgery us`."""
    return " ".join(sorted(set(header_words(header))))


def _spellings(field: Field) -> tuple[str, ...]:
    return (field.name, field.name.replace("_", " "), field.label, *field.synonyms)


_BY_WRITTEN: dict[str, str] = {}
_BY_LOOSE: dict[str, str] = {}
_VOCABULARY: dict[str, set[str]] = {}  # field -> every word of its spellings
_WORD_SETS: list[tuple[frozenset[str], str]] = []  # spellings as word sets, for qualifiers
for _field in FIELDS:
    for _spelling in _spellings(_field):
        _BY_WRITTEN.setdefault(written_key(_spelling), _field.name)
        _BY_LOOSE.setdefault(loose_key(_spelling), _field.name)
        _words = frozenset(header_words(_spelling))
        _VOCABULARY.setdefault(_field.name, set()).update(_words)
        _WORD_SETS.append((_words, _field.name))
_AMBIGUOUS_LOOSE: dict[str, tuple[str, ...]] = {}
for _header, _fields in AMBIGUOUS_HEADERS.items():
    _AMBIGUOUS_LOOSE.setdefault(loose_key(_header), _fields)
_ALL_VOCABULARY = {word: {name for name, words in _VOCABULARY.items() if word in words}
                   for words in _VOCABULARY.values() for word in words}


# Words that qualify a header without naming another field (`Step 2 CK Exp Date`).
QUALIFIER_WORDS = frozenset({
    "expected", "official", "actual", "current", "latest", "final", "done", "booked",
    "completed", "received", "confirmed", "scheduled", "planned", "total", "usmle", "us",
    "hand", "so", "far", "to", "date", "y", "n", "yes", "no", "status",
}) - {"date", "status"}


def _qualified_matches(header: str) -> tuple[str, ...]:
    """The fields a header names with more words than a spelling of it (`US PRS Letters
    (total)`, `Sub-I/Away (US Plastics)`): the longest spelling whose words are all in the
    header, when no other word of the header belongs to another field's spellings (`Step 1
    Date` is not the Step 1 result). A one-word spelling counts only for the id, in a
    two-word header (`Banner ID`)."""
    words = set(header_words(header))
    best: dict[str, int] = {}
    for spelling, name in _WORD_SETS:
        if not spelling or not spelling <= words or spelling == words:
            continue
        if len(spelling) == 1 and (len(words) > 2 or name != "student_id"):
            continue  # `Banner ID` is the id; `Risk Level` is no stage
        extra = words - spelling - QUALIFIER_WORDS
        if any(_ALL_VOCABULARY.get(word, {name}) - {name} and name not in
               _ALL_VOCABULARY.get(word, set()) for word in extra):
            continue
        best[name] = max(best.get(name, 0), len(spelling))
    if not best:
        return ()
    longest = max(best.values())
    return tuple(name for name, size in best.items() if size == longest)


def match_field(header: str) -> str | None:
    """The canonical field a file's column header names, or None (ambiguous headers too)."""
    if (loose_key(header) in _AMBIGUOUS_LOOSE or loose_key(header) in _VALUE_DECIDED_LOOSE
            or name_part(header)):
        return None
    found = _BY_WRITTEN.get(written_key(header)) or _BY_LOOSE.get(loose_key(header))
    if found:
        return found
    qualified = _qualified_matches(header)
    return qualified[0] if len(qualified) == 1 else None


def suggested_fields(header: str) -> tuple[str, ...]:
    """The fields an ambiguous header could mean; empty for any other header."""
    key = loose_key(header)
    if key in _AMBIGUOUS_LOOSE:
        return _AMBIGUOUS_LOOSE[key]
    if key in _VALUE_DECIDED_LOOSE:
        return _VALUE_DECIDED_LOOSE[key]
    qualified = _qualified_matches(header)
    return qualified if len(qualified) > 1 else ()


def value_decided_fields(header: str) -> tuple[str, ...]:
    """The fields a header fits that its values decide between (`Year`: stage or class
    year); empty for any other header."""
    return _VALUE_DECIDED_LOOSE.get(loose_key(header), ())


# Headers that fit two fields, decided by the column's values when they fit one only.
VALUE_DECIDED_HEADERS: dict[str, tuple[str, ...]] = {
    "year": ("stage", "class_year"),
    "current year": ("stage", "class_year"),
    "year level": ("stage", "class_year"),
    "med year": ("stage", "class_year"),
    "step 2": ("step2ck_score", "step2ck_date"),
    "step 2 ck status": ("step2ck_score", "step2ck_date"),
}
_VALUE_DECIDED_LOOSE = {loose_key(header): fields
                        for header, fields in VALUE_DECIDED_HEADERS.items()}

# Parts of a name written in columns of their own: `First Name` and `Last Name` make `name`.
NAME_PARTS = {"first": ("first", "given", "forename", "firstname", "givenname"),
              "preferred": ("preferred", "nickname", "goes by", "preferredname"),
              "middle": ("middle", "middlename", "middle initial"),
              "last": ("last", "family", "surname", "lastname", "familyname")}


def name_part(header: str) -> str | None:
    """`first`, `preferred`, `middle` or `last` for a column holding that part of a name."""
    words = [word for word in header_words(header) if word not in ("name", "student")]
    joined = " ".join(words)
    for part, spellings in NAME_PARTS.items():
        if joined in spellings:
            return part
    return None


def graduation_year_header(header: str) -> bool:
    """A class year column whose header says graduation (`Grad Year`, `Year of Graduation`)."""
    return "graduation" in header_words(header) or "graduated" in header_words(header)


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
