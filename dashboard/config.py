"""Thresholds and calendar (docs/reference.md "Settings"): one row per setting, TOML
loading, validation.

Every setting is a dataclass field whose metadata holds its label, help and group, so the
Settings page, the exports' Settings sheet and the README read the same row.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


class ConfigError(ValueError):
    """A config file or value that cannot be used; the message is for the user."""


def _setting(default, label: str, group: str, help_text: str, low: int = 0, high: int = 300):
    return field(default=default, metadata={"label": label, "group": group, "help": help_text,
                                            "low": low, "high": high})


STEP2 = "Step 2 CK"
LETTERS = "Letters"
RESEARCH = "Research"
PRACTICE = "Practice exams"


# The USMLE Step 2 CK minimum passing score, by the first exam date it applies to: 209 from
# July 2014, 214 from July 2022 (USMLE score-change notices), 218 for exams from 1 July 2025 as
# several public sources report (confirm on usmle.org and configure).
STEP2_PASS_SCHEDULE: tuple[tuple[dt.date, int], ...] = (
    (dt.date(2014, 7, 1), 209), (dt.date(2022, 7, 1), 214), (dt.date(2025, 7, 1), 218))
# A plain `step2_pass = 218` sets one mark for every date: it applies from this day on.
EVERY_DATE = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class Thresholds:
    # (first exam date, mark) pairs, oldest first; an int is read as one mark for every date.
    step2_pass: tuple[tuple[dt.date, int], ...] = field(
        default=STEP2_PASS_SCHEDULE,
        metadata={"label": "Passing score, by exam date", "group": STEP2, "kind": "schedule",
                  "low": 1, "high": 300,
                  "help": "The USMLE Step 2 CK minimum passing score in force on the exam date: "
                          "209 from 1 July 2014, 214 from 1 July 2022 and, as several public "
                          "sources report, 218 for exams from 1 July 2025 (confirm on "
                          "usmle.org). A score under the mark in force on its exam date is a "
                          "failed attempt."})
    step2_low: int = _setting(
        235, "Low-score line", STEP2,
        "Under this a Step 2 CK score is low for integrated plastics (critical).", 1)
    step2_target: int = _setting(
        245, "Target score", STEP2,
        "The score the guidance asks a US IMG plastics applicant to reach.", 1)
    step2_highly_competitive: int = _setting(
        255, "Highly competitive from", STEP2,
        "From this score a Step 2 CK is highly competitive.", 1)
    aggressive_min: int = _setting(
        250, "Broad integrated application from", STEP2,
        "With a strong profile, this score supports a broad integrated plastics list.", 1)
    targeted_min: int = _setting(
        240, "Targeted integrated application from", STEP2,
        "This score supports a targeted integrated plastics list beside general surgery.", 1)
    us_plastics_lors_min: int = _setting(
        2, "US plastic surgery letters needed", LETTERS,
        "Letters from US plastic surgeons an applicant needs.", 0, 20)
    surgery_lors_min: int = _setting(
        1, "Surgery letters needed", LETTERS,
        "Letters from general or other surgeons an applicant needs.", 0, 20)
    strong_research_min: int = _setting(
        15, "Research items for a strong profile", RESEARCH,
        "Plastics publications plus presentations (abstracts, posters, talks) that make a "
        "profile strong, with the letters and a US plastics sub-I. NRMP data for integrated "
        "plastics: the chance of matching stops rising at about 15 (Elemosho, Sarac and Janis, "
        "Plast Reconstr Surg Glob Open 2024;12:e5937).", 0, 1000)
    practice_low: int = _setting(
        235, "Low practice score under", PRACTICE,
        "A practice exam (NBME/UWSA) predicting under this counts as low.", 150)
    practice_low_count: int = _setting(
        2, "Low practice exams that raise concern", PRACTICE,
        "How many low practice exams make a student without a score a concern.", 1, 50)

    def __post_init__(self) -> None:
        object.__setattr__(self, "step2_pass", pass_schedule(self.step2_pass))
        problems = _problems(self)
        if problems:
            raise ConfigError("; ".join(problems))

    def changed(self, **values: object) -> Thresholds:
        return replace(self, **values)

    def as_params(self) -> dict[str, int]:
        """The whole-number thresholds by name (the pass-mark schedule is `pass_params`)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "step2_pass"}

    def pass_mark_on(self, exam_date: dt.date) -> int | None:
        """The Step 2 CK pass mark in force on an exam date; None before the schedule."""
        marks = [mark for since, mark in self.step2_pass if since <= exam_date]
        return marks[-1] if marks else None

    @property
    def lowest_pass_mark(self) -> int:
        return min(mark for _, mark in self.step2_pass)

    def pass_params(self, as_of: dt.date) -> dict[str, object]:
        return {"step2_pass_dates": [since for since, _ in self.step2_pass],
                "step2_pass_marks": [mark for _, mark in self.step2_pass],
                "step2_pass_lowest": self.lowest_pass_mark,
                "step2_pass_now": self.pass_mark_on(as_of) or self.lowest_pass_mark}

    @property
    def step2_pass_text(self) -> str:
        """The schedule as exports record it: `2014-07-01=209; 2022-07-01=214; ...`, or the
        one mark set for every date."""
        if len(self.step2_pass) == 1 and self.step2_pass[0][0] == EVERY_DATE:
            return str(self.step2_pass[0][1])
        return "; ".join(f"{since.isoformat()}={mark}" for since, mark in self.step2_pass)


def pass_schedule(value: object) -> tuple[tuple[dt.date, int], ...]:
    """A pass-mark schedule from what a config may hold: one number for every date, a table
    of first exam date = mark (TOML keys are text), or (date, mark) pairs."""
    if isinstance(value, bool):
        raise ConfigError(f"step2_pass must be a whole number or a table of date = mark, "
                          f"not {value!r}")
    if isinstance(value, int):
        return ((EVERY_DATE, value),)
    items = value.items() if isinstance(value, dict) else value
    pairs = []
    try:
        for since, mark in items:
            if isinstance(since, str):
                since = dt.date.fromisoformat(since)
            if not isinstance(since, dt.date) or isinstance(since, dt.datetime):
                raise ValueError
            if isinstance(mark, bool) or not isinstance(mark, int):
                raise ConfigError(f"step2_pass.{since.isoformat()} must be a whole number, "
                                  f"not {mark!r}")
            pairs.append((since, mark))
    except (TypeError, ValueError):
        raise ConfigError("step2_pass must be a whole number or a table of first exam date = "
                          "mark, such as 2025-07-01 = 218") from None
    if not pairs:
        raise ConfigError("step2_pass needs at least one date = mark")
    return tuple(sorted(pairs))


def last_wednesday_of_september(year: int) -> dt.date:
    end = dt.date(year, 9, 30)
    return end - dt.timedelta(days=(end.weekday() - 2) % 7)  # Monday is 0, Wednesday 2


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th given weekday (Monday 0) of a month: the first Wednesday of March is
    nth_weekday(y, 3, 2, 1)."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


FIRST_YEAR, LAST_YEAR = 2000, 2099  # the dates a config may hold, and the Match years


@dataclass(frozen=True)
class Milestone:
    """A date of the Match calendar, by Match year Y: its default rule and where it comes from."""

    key: str
    label: str
    default: str  # the default rule, in words
    source: str
    rule: object  # (calendar, Match year) -> default date


MILESTONES: tuple[Milestone, ...] = (
    Milestone("vslo_opens", "Away-rotation (VSLO) applications open",
              "1 February of Y-1",
              "AAMC VSLO: most host schools open in February-March and fill by mid-April; "
              "many take no students from non-LCME schools or charge fees",
              lambda c, y: dt.date(y - 1, 2, 1)),
    Milestone("subi_season_start", "Sub-internship season begins", "1 June of Y-1",
              "Usual away-rotation season, June to September",
              lambda c, y: dt.date(y - 1, 6, 1)),
    Milestone("subi_season_end", "Sub-internship season ends", "30 September of Y-1",
              "Usual away-rotation season, June to September",
              lambda c, y: dt.date(y - 1, 9, 30)),
    Milestone("psca_release", "PSCA releases applications to plastics programs",
              "review_opens less 9 days",
              "ACAPS Plastic Surgery Common Application (PSCA), used by most integrated "
              "programs, with 5 program signals; ACAPS publishes each year's date (2022: 19 "
              "September, ERAS review 28 September)",
              lambda c, y: c.review_opens_on(y) - dt.timedelta(days=9)),
    Milestone("interviews_start", "Interview season begins", "1 October of Y-1",
              "NRMP Main Residency Match timeline; plastics programs send first invitations "
              "on one coordinated day (ACAPS)", lambda c, y: dt.date(y - 1, 10, 1)),
    Milestone("nrmp_registration", "NRMP registration deadline (late fee after)",
              "31 January of Y", "NRMP Main Residency Match calendar",
              lambda c, y: dt.date(y, 1, 31)),
    Milestone("interviews_end", "Interview season ends", "31 January of Y",
              "NRMP Main Residency Match timeline", lambda c, y: dt.date(y, 1, 31)),
    Milestone("rank_list_deadline", "Rank order list deadline", "Match Day less 16 days",
              "NRMP Main Residency Match calendar (a Wednesday); the NRMP withdraws an IMG "
              "whose Step 1 and Step 2 CK passes ECFMG has not confirmed by then (NRMP FAQ)",
              lambda c, y: c.date_of("match_day", y) - dt.timedelta(days=16)),
    Milestone("match_day", "Match Day", "third Friday of March of Y",
              "NRMP Main Residency Match calendar; SOAP runs in Match week, from its Monday",
              lambda c, y: nth_weekday(y, 3, 4, 3)),
)
MILESTONES_BY_KEY = {milestone.key: milestone for milestone in MILESTONES}
CALENDAR_KEYS = ("review_opens", *MILESTONES_BY_KEY)
# Dates of one Match year that must not run backwards: (earlier, later) milestone keys.
CALENDAR_ORDER = (
    ("vslo_opens", "subi_season_start"), ("subi_season_start", "subi_season_end"),
    ("subi_season_start", "review_opens"), ("psca_release", "rank_list_deadline"),
    ("review_opens", "rank_list_deadline"), ("interviews_start", "interviews_end"),
    ("rank_list_deadline", "match_day"),
)


@dataclass(frozen=True)
class Calendar:
    """The Match calendar by Match year (configured dates, else each date's default rule) and
    the delay from a Step 2 CK sitting to its score."""

    score_release_days: int = _setting(
        28, "Days from a Step 2 CK sitting to its score", "Calendar",
        "Scores are usually released 3-4 weeks after the exam (USMLE score reporting).", 0, 120)
    # (Match year, date) pairs from the config; other years follow the default rule.
    review_opens: tuple[tuple[int, dt.date], ...] = ((2026, dt.date(2025, 9, 24)),)
    # (milestone key, Match year, date) for the other dates of MILESTONES that are configured.
    milestones: tuple[tuple[str, int, dt.date], ...] = ()

    def __post_init__(self) -> None:
        problems = _problems(self)
        for key, year, date in self.milestones:
            if key not in MILESTONES_BY_KEY:
                problems.append(f"unknown calendar date {key!r}")
            else:
                problems += _date_problems(key, year, date)
        for year, date in self.review_opens:
            problems += _date_problems("review_opens", year, date)
        if not problems:
            problems += self._order_problems()
        if problems:
            raise ConfigError("; ".join(problems))

    def _order_problems(self) -> list[str]:
        years = {year for year, _ in self.review_opens} | {y for _, y, _ in self.milestones}
        problems = []
        for year in sorted(years):
            for earlier, later in CALENDAR_ORDER:
                if self.date_of(later, year) < self.date_of(earlier, year):
                    problems.append(
                        f"the {year} calendar runs backwards: {later} "
                        f"({self.date_of(later, year).isoformat()}) is before {earlier} "
                        f"({self.date_of(earlier, year).isoformat()})")
        return problems

    def review_opens_on(self, match_year: int) -> dt.date:
        """The day programs may start reviewing ERAS applications for Match year
        `match_year`: configured, else the last Wednesday of September of the year before."""
        return dict(self.review_opens).get(match_year) or last_wednesday_of_september(
            match_year - 1)

    def is_configured(self, match_year: int, key: str = "review_opens") -> bool:
        if key == "review_opens":
            return match_year in dict(self.review_opens)
        if key in ("first_review", "latest_step2ck_sitting"):
            return self.is_configured(match_year) and self.is_configured(
                match_year, "psca_release")
        if key == "exam_deadline":
            return self.is_configured(match_year, "rank_list_deadline")
        return any(k == key and y == match_year for k, y, _ in self.milestones)

    def date_of(self, key: str, match_year: int) -> dt.date:
        """A calendar date for a Match year: configured, else its default rule. Besides the
        milestones: `first_review` (the earlier of the PSCA release and ERAS review),
        `latest_step2ck_sitting` (the last sitting whose score arrives by the first review)
        and `exam_deadline` (the last sitting whose result is on file by the rank order list
        deadline)."""
        release = dt.timedelta(days=self.score_release_days)
        if key == "review_opens":
            return self.review_opens_on(match_year)
        if key == "first_review":
            return min(self.review_opens_on(match_year), self.date_of("psca_release", match_year))
        if key == "latest_step2ck_sitting":
            return self.date_of("first_review", match_year) - release
        if key == "exam_deadline":
            return self.date_of("rank_list_deadline", match_year) - release
        for k, y, date in self.milestones:
            if k == key and y == match_year:
                return date
        return MILESTONES_BY_KEY[key].rule(self, match_year)

    def cycle_for(self, as_of: dt.date, ready: bool = False) -> int:
        """The Match year of a student without a class year: in the final year or applying,
        the first whose rank order list deadline is on or after `as_of` (in December an
        applicant belongs to the Match under way); else the first whose first review is."""
        key = "rank_list_deadline" if ready else "first_review"
        year = as_of.year
        while self.date_of(key, year) < as_of:
            year += 1
        return year

    def changed(self, **values: object) -> Calendar:
        return replace(self, **values)


def _date_problems(key: str, year: object, date: object) -> list[str]:
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        return [f"{key}: {year!r} is not a Match year such as 2027"]
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        return [f"{key}.{year} must be a date such as 2026-09-30"]
    if not FIRST_YEAR <= date.year <= LAST_YEAR:
        return [f"{key}.{year}: {date.isoformat()} is outside the years 2000-2099"]
    return []


# Match years the rule query has dates for: the class years a file may hold, and the years
# a plan may move to after them.
YEARS = range(FIRST_YEAR, LAST_YEAR + 3)


@dataclass(frozen=True)
class Config:
    thresholds: Thresholds = field(default_factory=Thresholds)
    calendar: Calendar = field(default_factory=Calendar)

    def rule_params(self, as_of: dt.date) -> dict[str, object]:
        """The bound parameters of the rule query: every threshold, the pass-mark schedule,
        the date, and the calendar as one list per date, indexed by Match year less 1999."""
        c = self.calendar

        def by_year(key: str) -> list[dt.date]:
            return [c.date_of(key, year) for year in YEARS]

        first_review = by_year("first_review")
        return {
            **self.thresholds.as_params(),
            **self.thresholds.pass_params(as_of),
            "score_release_days": c.score_release_days,
            "as_of": as_of,
            "default_cycle": c.cycle_for(as_of),
            "default_cycle_ready": c.cycle_for(as_of, ready=True),
            "first_year": FIRST_YEAR,
            "review_dates": by_year("review_opens"),
            "first_review_dates": first_review,
            "rank_list_dates": by_year("rank_list_deadline"),
            "match_day_dates": by_year("match_day"),
            # A cycle that is over is followed by the first later one still ahead.
            "reapply_years": [next((later for later in range(year + 1, YEARS.stop + 5)
                                    if c.date_of("first_review", later) >= as_of), year + 1)
                              for year in YEARS],
        }

    def plan_params(self, as_of: dt.date, cycles: list[int]) -> dict[str, object]:
        """Every calendar date for each Match year in `cycles`, as parallel lists, with
        whether it was configured (else estimated by its default rule)."""
        keys, years, dates, configured = [], [], [], []
        for key in (*CALENDAR_KEYS, "first_review", "exam_deadline"):
            for year in cycles:
                keys.append(key)
                years.append(year)
                dates.append(self.calendar.date_of(key, year))
                configured.append(self.calendar.is_configured(year, key))
        return {"milestone_keys": keys, "milestone_years": years, "milestone_dates": dates,
                "milestone_configured": configured, "as_of": as_of,
                **{name: value for name, value in self.thresholds.as_params().items()
                   if name in ("us_plastics_lors_min", "surgery_lors_min")},
                "score_release_days": self.calendar.score_release_days}

    def rows(self, as_of: dt.date, cycles: tuple[int, ...] = ()) -> list[
            tuple[str, str, object, str]]:
        """(section, name, value, meaning) for every setting: what an export records; with
        `cycles`, every calendar date of those Match years, estimated or configured."""
        out: list[tuple[str, str, object, str]] = [
            ("evaluation", "as_of", as_of, "Date the rules were evaluated on")]
        for f in fields(self.thresholds):
            value = getattr(self.thresholds, f.name)
            if f.name == "step2_pass":
                value = self.thresholds.step2_pass_text
            out.append(("thresholds", f.name, value, f.metadata["help"]))
        out.append(("calendar", "score_release_days", self.calendar.score_release_days,
                    fields(Calendar)[0].metadata["help"]))
        for year, date in sorted(self.calendar.review_opens):
            out.append(("calendar.review_opens", str(year), date,
                        f"Programs may begin reviewing applications for the {year} Match"))
        for key, year, date in sorted(self.calendar.milestones):
            out.append((f"calendar.{key}", str(year), date,
                        f"{MILESTONES_BY_KEY[key].label}, {year} Match"))
        out.append(("calendar.review_opens", "other years", "last Wednesday of September",
                    "of the year before the Match (the rule that gives 2021-2025's real dates)"))
        for milestone in MILESTONES:
            out.append((f"calendar.{milestone.key}", "other years", milestone.default,
                        f"{milestone.label} (estimated by this rule; {milestone.source})"))
        for year in cycles:
            for key, label in CALENDAR_DATE_LABELS.items():
                estimated = not self.calendar.is_configured(year, key)
                out.append((f"dates.{year}", key, self.calendar.date_of(key, year),
                            f"{label}, {year} Match" + (" (estimated)" if estimated else "")))
        return out

    def document(self) -> dict:
        """The settings as the document `config_from_document` reads (dates as ISO text)."""
        thresholds: dict[str, object] = self.thresholds.as_params()
        thresholds["step2_pass"] = {since.isoformat(): mark
                                    for since, mark in self.thresholds.step2_pass}
        calendar: dict[str, object] = {
            "score_release_days": self.calendar.score_release_days,
            "review_opens": {str(year): date.isoformat()
                             for year, date in self.calendar.review_opens}}
        for key, year, date in self.calendar.milestones:
            calendar.setdefault(key, {})[str(year)] = date.isoformat()  # type: ignore[index]
        return {"thresholds": thresholds, "calendar": calendar}


def config_from_json(text: str) -> Config:
    """Settings saved as JSON by `Config.document` (a workspace keeps them so)."""
    import json

    document = json.loads(text)
    calendar = document.get("calendar", {})
    for key, value in calendar.items():
        if isinstance(value, dict):
            calendar[key] = {year: dt.date.fromisoformat(date) for year, date in value.items()}
    return config_from_document(document, source="the workspace's settings")


# The dates of one Match year that a plan and an export name, in calendar order.
CALENDAR_DATE_LABELS = {
    "vslo_opens": "VSLO applications open",
    "subi_season_start": "Sub-internship season begins",
    "subi_season_end": "Sub-internship season ends",
    "latest_step2ck_sitting": "Latest Step 2 CK sitting whose score reaches the first review",
    "psca_release": "PSCA releases applications to plastics programs",
    "review_opens": "ERAS: programs may begin reviewing applications",
    "first_review": "First review (the earlier of the PSCA release and ERAS review)",
    "interviews_start": "Interview season begins",
    "nrmp_registration": "NRMP registration deadline",
    "interviews_end": "Interview season ends",
    "exam_deadline": "Latest sitting whose result ECFMG can confirm by the rank list deadline",
    "rank_list_deadline": "Rank order list deadline",
    "match_day": "Match Day",
}


def setting_fields(kind: type) -> tuple:
    """The dataclass fields of Thresholds or Calendar that carry a label (one row each)."""
    return tuple(f for f in fields(kind) if "label" in f.metadata)


def _problems(settings) -> list[str]:
    problems = []
    for f in setting_fields(type(settings)):
        value = getattr(settings, f.name)
        low, high = f.metadata["low"], f.metadata["high"]
        if f.metadata.get("kind") == "schedule":
            problems += [f"{f.name}.{since.isoformat()} must be from {low} to {high}, not {mark}"
                         for since, mark in value if not low <= mark <= high]
        elif isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{f.name} must be a whole number, not {value!r}")
        elif not low <= value <= high:
            problems.append(f"{f.name} must be from {low} to {high}, not {value}")
    if problems or not isinstance(settings, Thresholds):
        return problems
    t = settings
    highest_pass = max(mark for _, mark in t.step2_pass)
    if not highest_pass <= t.step2_low <= t.step2_target <= t.step2_highly_competitive:
        problems.append(
            "Step 2 CK thresholds are out of order: need every step2_pass mark <= step2_low <= "
            "step2_target <= step2_highly_competitive (got "
            f"{highest_pass}, {t.step2_low}, {t.step2_target}, {t.step2_highly_competitive})")
    if not t.targeted_min <= t.aggressive_min:
        problems.append("strategy thresholds are out of order: need targeted_min <= "
                        f"aggressive_min (got {t.targeted_min}, {t.aggressive_min})")
    return problems


THRESHOLD_KEYS = frozenset(f.name for f in fields(Thresholds))
RENAMED_KEYS = {
    "eras_opens": "[calendar.review_opens], one date per Match year (for example "
                  "2027 = 2026-09-30): programs review applications from a date that differs "
                  "by year",
}


def load_config(path: str | Path) -> Config:
    """Read a TOML config; keys left out keep their defaults, anything else wrong is refused."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path.name} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path.name} is a folder, not a file") from None
    except (OSError, UnicodeDecodeError):
        raise ConfigError(f"config file {path.name} cannot be read as UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path.name} is not valid TOML: {error}") from None
    except RecursionError:
        raise ConfigError(f"config file {path.name} nests tables or arrays too deeply to "
                          "be a config") from None
    return config_from_document(document, source=path.name)


def config_from_document(document: dict, source: str = "config") -> Config:
    unknown_sections = set(document) - {"thresholds", "calendar"}
    if unknown_sections:
        raise ConfigError(f"{source}: unknown section [{sorted(unknown_sections)[0]}]; "
                          "expected [thresholds] and [calendar]")
    thresholds = _table(document, "thresholds", source)
    calendar = _table(document, "calendar", source)
    for section, content, allowed in (("thresholds", thresholds, THRESHOLD_KEYS),
                                      ("calendar", calendar,
                                       {"score_release_days", "review_opens",
                                        *MILESTONES_BY_KEY})):
        for key in content:
            if key in RENAMED_KEYS:
                raise ConfigError(f"{source}: {key!r} is a version-1 key and is no longer "
                                  f"read; use {RENAMED_KEYS[key]}")
            if key not in allowed:
                raise ConfigError(f"{source}: unknown key {key!r} in [{section}]; known: "
                                  + ", ".join(sorted(allowed)))
    review_opens = calendar.get("review_opens", {})
    if not isinstance(review_opens, dict):
        raise ConfigError(f"{source}: [calendar.review_opens] must be a table of "
                          "Match year = date")
    pairs = []
    for year_text, date in review_opens.items():
        if not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4):
            raise ConfigError(f"{source}: [calendar.review_opens] key {year_text!r} is not a "
                              "Match year such as 2027")
        pairs.append((int(year_text), date))
    milestones = []
    for key in MILESTONES_BY_KEY:
        for year, date in _by_year(calendar.get(key, {}), key, source):
            milestones.append((key, year, date))
    try:
        base = Calendar()
        return Config(
            Thresholds(**thresholds),
            Calendar(
                score_release_days=calendar.get("score_release_days", base.score_release_days),
                review_opens=tuple(sorted({**dict(base.review_opens), **dict(pairs)}.items())),
                milestones=tuple(milestones),
            ),
        )
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None


def _by_year(table: object, key: str, source: str) -> list[tuple[int, object]]:
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [calendar.{key}] must be a table of Match year = date")
    pairs = []
    for year_text, date in table.items():
        if not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4):
            raise ConfigError(f"{source}: [calendar.{key}] key {year_text!r} is not a Match "
                              "year such as 2027")
        pairs.append((int(year_text), date))
    return pairs


def _table(document: dict, name: str, source: str) -> dict:
    content = document.get(name, {})
    if not isinstance(content, dict):
        raise ConfigError(f"{source}: {name} must be a table such as [{name}]")
    return content
