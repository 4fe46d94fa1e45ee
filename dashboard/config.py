"""Thresholds and calendar (README "Settings"): one row per setting, TOML loading, validation.

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


@dataclass(frozen=True)
class Thresholds:
    step2_pass: int = _setting(
        214, "Passing score", STEP2,
        "The USMLE Step 2 CK passing score (214 since 1 July 2022; reported as 218 for exams "
        "from 1 July 2025: check usmle.org); below it the exam was failed.", 1)
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
        2, "Research items for a strong profile", RESEARCH,
        "Plastics publications plus presentations that make a profile strong.", 0, 1000)
    practice_low: int = _setting(
        235, "Low practice score under", PRACTICE,
        "A practice exam (NBME/UWSA) predicting under this counts as low.", 150)
    practice_low_count: int = _setting(
        2, "Low practice exams that raise concern", PRACTICE,
        "How many low practice exams make a student without a score a concern.", 1, 50)

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ConfigError("; ".join(problems))

    def changed(self, **values: object) -> Thresholds:
        return replace(self, **values)

    def as_params(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def last_wednesday_of_september(year: int) -> dt.date:
    end = dt.date(year, 9, 30)
    return end - dt.timedelta(days=(end.weekday() - 2) % 7)  # Monday is 0, Wednesday 2


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th given weekday (Monday 0) of a month: the first Wednesday of March is
    nth_weekday(y, 3, 2, 1)."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


@dataclass(frozen=True)
class Milestone:
    """A date of the Match calendar, by Match year Y: its default rule and where it comes from."""

    key: str
    label: str
    default: str  # the default rule, in words
    source: str
    rule: object  # Match year -> default date


MILESTONES: tuple[Milestone, ...] = (
    Milestone("vslo_opens", "Away-rotation (VSLO) applications open",
              "1 February of Y-1", "AAMC VSLO: most host schools open in February-March",
              lambda y: dt.date(y - 1, 2, 1)),
    Milestone("subi_season_start", "Sub-internship season begins", "1 June of Y-1",
              "Usual away-rotation season, June to September", lambda y: dt.date(y - 1, 6, 1)),
    Milestone("subi_season_end", "Sub-internship season ends", "30 September of Y-1",
              "Usual away-rotation season, June to September", lambda y: dt.date(y - 1, 9, 30)),
    Milestone("interviews_start", "Interview season begins", "1 October of Y-1",
              "NRMP Main Residency Match timeline", lambda y: dt.date(y - 1, 10, 1)),
    Milestone("interviews_end", "Interview season ends", "31 January of Y",
              "NRMP Main Residency Match timeline", lambda y: dt.date(y, 1, 31)),
    Milestone("rank_list_deadline", "Rank order list deadline", "first Wednesday of March of Y",
              "NRMP Main Residency Match calendar", lambda y: nth_weekday(y, 3, 2, 1)),
    Milestone("match_day", "Match Day", "third Friday of March of Y",
              "NRMP Main Residency Match calendar", lambda y: nth_weekday(y, 3, 4, 3)),
)
MILESTONES_BY_KEY = {milestone.key: milestone for milestone in MILESTONES}


@dataclass(frozen=True)
class Calendar:
    """When programs may begin reviewing applications, by Match year, and the score delay."""

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
            elif not isinstance(date, dt.date) or isinstance(date, dt.datetime):
                problems.append(f"{key}.{year} must be a date such as 2027-03-03")
        for year, date in self.review_opens:
            if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2099:
                problems.append(f"review_opens: {year!r} is not a Match year such as 2027")
            if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
                problems.append(f"review_opens.{year} must be a date such as 2026-09-30")
        if problems:
            raise ConfigError("; ".join(problems))

    def review_opens_on(self, match_year: int) -> dt.date:
        """The day programs may start reviewing applications for Match year `match_year`:
        configured, else the last Wednesday of September of the year before."""
        return dict(self.review_opens).get(match_year) or last_wednesday_of_september(
            match_year - 1)

    def is_configured(self, match_year: int, key: str = "review_opens") -> bool:
        if key == "review_opens":
            return match_year in dict(self.review_opens)
        return any(k == key and y == match_year for k, y, _ in self.milestones)

    def date_of(self, key: str, match_year: int) -> dt.date:
        """A milestone's date for a Match year: configured, else its default rule."""
        if key == "review_opens":
            return self.review_opens_on(match_year)
        if key == "latest_step2ck_sitting":
            return self.review_opens_on(match_year) - dt.timedelta(days=self.score_release_days)
        for k, y, date in self.milestones:
            if k == key and y == match_year:
                return date
        return MILESTONES_BY_KEY[key].rule(match_year)

    def cycle_for(self, as_of: dt.date) -> int:
        """The Match year of a student without a class year: the first whose review opens on
        or after `as_of`."""
        year = as_of.year
        while self.review_opens_on(year) < as_of:
            year += 1
        return year

    def changed(self, **values: object) -> Calendar:
        return replace(self, **values)


@dataclass(frozen=True)
class Config:
    thresholds: Thresholds = field(default_factory=Thresholds)
    calendar: Calendar = field(default_factory=Calendar)

    def rule_params(self, as_of: dt.date) -> dict[str, object]:
        """The bound parameters of the rule query: every threshold, the calendar, the date."""
        configured = sorted(self.calendar.review_opens)
        return {
            **self.thresholds.as_params(),
            "score_release_days": self.calendar.score_release_days,
            "review_open_years": [year for year, _ in configured],
            "review_open_dates": [date for _, date in configured],
            "as_of": as_of,
            "default_cycle": self.calendar.cycle_for(as_of),
        }

    def plan_params(self, as_of: dt.date, cycles: list[int]) -> dict[str, object]:
        """Every milestone date for each Match year in `cycles`, as parallel lists, with
        whether it was configured (else estimated by its default rule)."""
        keys, years, dates, configured = [], [], [], []
        for key in ("review_opens", *MILESTONES_BY_KEY):
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

    def rows(self, as_of: dt.date) -> list[tuple[str, str, object, str]]:
        """(section, name, value, meaning) for every setting: what an export records."""
        out: list[tuple[str, str, object, str]] = [
            ("evaluation", "as_of", as_of, "Date the rules were evaluated on")]
        for f in fields(self.thresholds):
            out.append(("thresholds", f.name, getattr(self.thresholds, f.name),
                        f.metadata["help"]))
        out.append(("calendar", "score_release_days", self.calendar.score_release_days,
                    fields(Calendar)[0].metadata["help"]))
        for year, date in sorted(self.calendar.review_opens):
            out.append(("calendar.review_opens", str(year), date,
                        f"Programs may begin reviewing applications for the {year} Match"))
        out.append(("calendar.review_opens", "other years", "last Wednesday of September",
                    "of the year before the Match (the rule that gives 2021-2025's real dates)"))
        return out


def setting_fields(kind: type) -> tuple:
    """The dataclass fields of Thresholds or Calendar that carry a label (one row each)."""
    return tuple(f for f in fields(kind) if "label" in f.metadata)


def _problems(settings) -> list[str]:
    problems = []
    for f in setting_fields(type(settings)):
        value = getattr(settings, f.name)
        low, high = f.metadata["low"], f.metadata["high"]
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{f.name} must be a whole number, not {value!r}")
        elif not low <= value <= high:
            problems.append(f"{f.name} must be from {low} to {high}, not {value}")
    if problems or not isinstance(settings, Thresholds):
        return problems
    t = settings
    if not t.step2_pass <= t.step2_low <= t.step2_target <= t.step2_highly_competitive:
        problems.append(
            "Step 2 CK thresholds are out of order: need step2_pass <= step2_low <= "
            "step2_target <= step2_highly_competitive (got "
            f"{t.step2_pass}, {t.step2_low}, {t.step2_target}, {t.step2_highly_competitive})")
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
