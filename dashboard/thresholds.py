"""Rule thresholds (SPEC section 5): defaults from the guidance, TOML loading and validation."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path


class ConfigError(ValueError):
    """A thresholds file or value that cannot be used; the message is for the user."""


@dataclass(frozen=True)
class Thresholds:
    step2_low: int = 235
    step2_target: int = 245
    step2_highly_competitive: int = 255
    aggressive_min: int = 250
    targeted_min: int = 240
    us_plastics_lors_min: int = 2
    surgery_lors_min: int = 1
    practice_low: int = 235
    practice_low_count: int = 2
    strong_research_min: int = 2
    eras_opens: dt.date = dt.date(2027, 9, 24)

    def __post_init__(self) -> None:
        problems = validation_problems(self)
        if problems:
            raise ConfigError("; ".join(problems))

    def as_params(self) -> dict[str, object]:
        """Bound parameters for the rule queries, one per threshold."""
        return asdict(self)

    def as_rows(self) -> list[tuple[str, str]]:
        """(name, value) pairs, for the thresholds sheet of an export."""
        return [(name, str(value)) for name, value in asdict(self).items()]

    def changed(self, **values: object) -> Thresholds:
        return replace(self, **values)


CALENDAR_KEYS = frozenset({"eras_opens"})
THRESHOLD_KEYS = frozenset(f.name for f in fields(Thresholds)) - CALENDAR_KEYS

DESCRIPTIONS: dict[str, str] = {
    "step2_low": "Step 2 CK under this is a low score (critical)",
    "step2_target": "Step 2 CK the guidance asks a plastics applicant to reach",
    "step2_highly_competitive": "Step 2 CK from which a score is highly competitive",
    "aggressive_min": "Step 2 CK for a broad integrated plastics application",
    "targeted_min": "Step 2 CK for a targeted integrated plastics application",
    "us_plastics_lors_min": "Letters from US plastic surgeons an applicant needs",
    "surgery_lors_min": "Letters from general or other surgeons an applicant needs",
    "practice_low": "Practice score under this counts as low",
    "practice_low_count": "Low practice scores that make a pending Step 2 CK a concern",
    "strong_research_min": "Publications plus presentations for a strong profile",
    "eras_opens": "Date programs can first see applications (ERAS opens)",
}


def validation_problems(thresholds: Thresholds) -> list[str]:
    problems = []
    for f in fields(thresholds):
        value = getattr(thresholds, f.name)
        if f.name in CALENDAR_KEYS:
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                problems.append(f"{f.name} must be a date such as 2027-09-24")
        elif isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{f.name} must be a whole number, not {value!r}")
        elif value < 0:
            problems.append(f"{f.name} must not be negative")
    if problems:
        return problems
    t = thresholds
    if not t.step2_low <= t.step2_target <= t.step2_highly_competitive:
        problems.append(
            "Step 2 CK thresholds are out of order: need step2_low <= step2_target <= "
            f"step2_highly_competitive (got {t.step2_low}, {t.step2_target}, "
            f"{t.step2_highly_competitive})"
        )
    if not t.targeted_min <= t.aggressive_min:
        problems.append(
            "strategy thresholds are out of order: need targeted_min <= aggressive_min "
            f"(got {t.targeted_min}, {t.aggressive_min})"
        )
    for name in ("step2_low", "step2_target", "step2_highly_competitive", "aggressive_min",
                 "targeted_min", "practice_low"):
        if not 1 <= getattr(t, name) <= 300:
            problems.append(f"{name} must be a Step 2 CK score between 1 and 300")
    return problems


def load_thresholds(path: str | Path) -> Thresholds:
    """Read a TOML config; keys left out keep their defaults, anything else wrong is refused."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"config file {path} cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    return thresholds_from_document(document, source=str(path))


def thresholds_from_document(document: dict, source: str = "config") -> Thresholds:
    allowed_sections = {"thresholds": THRESHOLD_KEYS, "calendar": CALENDAR_KEYS}
    values: dict[str, object] = {}
    for section, content in document.items():
        if section not in allowed_sections:
            raise ConfigError(
                f"{source}: unknown section [{section}]; expected [thresholds] and [calendar]"
            )
        if not isinstance(content, dict):
            raise ConfigError(f"{source}: {section} must be a table such as [{section}]")
        for key, value in content.items():
            if key not in allowed_sections[section]:
                known = ", ".join(sorted(allowed_sections[section]))
                raise ConfigError(f"{source}: unknown key {key!r} in [{section}]; known: {known}")
            values[key] = value
    try:
        return Thresholds(**values)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None
