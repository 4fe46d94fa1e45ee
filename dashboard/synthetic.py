"""Synthetic cohorts of invented students, for the sample data, the tests and the benchmark.

    python -m dashboard.synthetic --rows 1000000 -o big.csv [--seed 7]

Vectorised with NumPy so that a million rows take seconds. Every person is made up.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

FIRST_NAMES = (
    "Amara", "Benjamin", "Camila", "Daniel", "Élodie", "Farah", "Gabriel", "Hana", "Isaac",
    "Jasmine", "Kofi", "Lucía", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rafael", "Sofía",
    "Tariq", "Uma", "Víctor", "Wen", "Ximena", "Yusuf", "Zoë", "Aiden", "Björn", "Chloé", "Dev",
)
LAST_NAMES = (
    "Abara", "Bergström", "Castillo", "Dubois", "Eze", "Fernández", "García", "Haddad", "Ibáñez",
    "Jovanović", "Kim", "Lindqvist", "Mensah", "Núñez", "Okafor", "Patel", "Quintero", "Rossi",
    "Søndergaard", "Tanaka", "Usman", "Varga", "Walsh", "Xu", "Yilmaz", "Zielińska", "Nguyen",
    "O'Connor", "Müller", "Asante",
)
CAMPUSES = ("Grenada", "Dominica", "Sint Maarten", "Lisbon Site")
ADVISORS = ("Dr. Álvarez", "Dr. Chen", "Dr. Fontaine", "Dr. Okafor", "Dr. Patel")
STAGE_SPELLINGS = {
    "preclinical": ("M1", "M2", "MS2", "Basic sciences"),
    "clinical": ("M3", "Clinical", "MS 3"),
    "final_year": ("M4", "Final year", "MS4"),
    "applying": ("Applicant", "Graduate", "Reapplicant"),
}
HEADERS = (
    "Student ID", "Name", "Email", "Class Year", "Stage", "Campus", "Advisor", "USMLE Step 1",
    "Step 1 Attempts", "Step 2 CK", "Step 2 CK Date", "Practice Scores", "US Plastics LORs",
    "Surgery LORs", "Publications", "Presentations", "US Plastics Sub-Is", "Research Year",
    "Parallel Plan",
)


def synthetic_cohort(rows: int, seed: int = 7, first_match_year: int = 2027) -> pa.Table:
    """A cohort table with the headers an advisor's spreadsheet would carry.

    The figures follow what US-IMG plastics hopefuls tend to have (docs/reference.md "Sample data"):
    applicants of `first_match_year` mostly with a Step 2 CK score and letters in hand, the
    classes behind them with less, and about one cell in twenty-five written the way a
    registrar writes it (`230 (unofficial)`, `Gen Surg`, `10/15/27`, `n/a`).
    """
    rng = np.random.default_rng(seed)
    index = np.arange(rows)
    first = np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), rows)]
    last = np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), rows)]
    names = np.char.add(np.char.add(first, " "), last)
    emails = np.char.add(
        np.char.add(np.char.lower(np.char.add(np.char.add(_ascii(first), "."), _ascii(last))),
                    index.astype(str)),
        "@students.example.edu",
    )

    stage_keys = np.array(list(STAGE_SPELLINGS))
    stage = stage_keys[rng.choice(4, rows, p=[0.25, 0.25, 0.3, 0.2])]
    stage_text = _spell_stages(stage, rng)
    is_ready = np.isin(stage, ("final_year", "applying"))
    is_clinical_plus = stage != "preclinical"
    class_year = first_match_year + np.select(
        [is_ready, stage == "clinical"], [0, 1], 2 + rng.integers(0, 2, rows))
    class_text = np.where(rng.random(rows) < 0.05, "", class_year.astype(str))

    step1_draw = rng.random(rows)
    step1 = np.where(
        ~is_clinical_plus & (rng.random(rows) < 0.7), "Not taken",
        np.where(step1_draw < 0.04, "Fail", "Pass"),
    )
    attempts = np.where(
        step1 == "Not taken", "0",
        np.where((step1 == "Fail") | (step1_draw < 0.07), "2", "1"),
    )
    step1 = np.where(is_clinical_plus & (rng.random(rows) < 0.04), "", step1)

    has_score = is_clinical_plus & (rng.random(rows) < np.where(is_ready, 0.88, 0.1))
    score = np.clip(np.rint(rng.normal(249, 9, rows)), 205, 275).astype(int)
    score_text = np.where(has_score, score.astype(str), "")
    exam_date = (np.datetime64(f"{first_match_year - 1}-06-01")
                 + (rng.integers(0, 330, rows) + 365 * (stage == "clinical"))
                 .astype("timedelta64[D]"))
    date_text = np.where(~has_score & is_clinical_plus & (rng.random(rows) < 0.6),
                         exam_date.astype(str), "")
    practice = np.clip(np.rint(rng.normal(240, 9, (rows, 3))), 200, 272).astype(int).astype(str)
    practice_text = np.char.add(np.char.add(np.char.add(practice[:, 0], ";"), practice[:, 1]),
                                np.char.add(";", practice[:, 2]))
    practice_text = np.where(~has_score & is_clinical_plus & (rng.random(rows) < 0.8),
                             practice_text, "")

    maturity = np.select([stage == "applying", stage == "final_year", stage == "clinical"],
                         [1.0, 0.85, 0.2], 0.05)
    # Applicants mostly hold their letters and sub-Is; the classes behind them are earning them.
    plastics_lors = np.where(is_ready & (rng.random(rows) < 0.8), 2 + rng.poisson(0.5, rows),
                             np.minimum(rng.poisson(1.2 * maturity), 1))
    surgery_lors = np.where(is_ready & (rng.random(rows) < 0.9), 1 + rng.poisson(0.4, rows),
                            rng.poisson(0.3 * maturity))
    publications = rng.poisson(2.5 * maturity + 0.2)
    presentations = rng.poisson(1.8 * maturity + 0.1)
    subis = np.where(is_ready & (rng.random(rows) < 0.85), 1 + rng.poisson(0.6, rows),
                     rng.poisson(0.4 * maturity))
    research_year = np.where(rng.random(rows) < 0.15, "Yes", "No")
    plan_draw = rng.random(rows)
    parallel = np.where(
        plan_draw < np.where(is_ready, 0.7, 0.3), "Yes",
        np.where(plan_draw < np.where(is_ready, 0.9, 0.6), "No", ""))

    columns = [
        np.char.add("S", np.char.zfill(index.astype(str), 7)), names, emails, class_text,
        stage_text, np.array(CAMPUSES)[rng.integers(0, len(CAMPUSES), rows)],
        np.array(ADVISORS)[rng.integers(0, len(ADVISORS), rows)], step1, attempts, score_text,
        date_text, practice_text, plastics_lors.astype(str), surgery_lors.astype(str),
        publications.astype(str), presentations.astype(str), subis.astype(str), research_year,
        parallel,
    ]
    columns = [np.asarray(column).astype(str).astype(object) for column in columns]
    _registrar_style(columns, rng)
    return pa.table({header: pa.array(column.tolist(), pa.string()) for header, column in
                     zip(HEADERS, columns, strict=True)})


def _registrar_style(columns: list, rng: np.random.Generator) -> None:
    """Write about one cell in twenty-five of some columns as registrars do."""
    rows = len(columns[0])

    def pick(column: np.ndarray, rate: float) -> np.ndarray:
        return (rng.random(rows) < rate) & (column != "")

    step1 = columns[7]
    step1[pick(step1, 0.04) & (step1 == "Fail")] = "FAIL - retake 3/2026"
    step1[pick(step1, 0.04) & (step1 == "Pass")] = "Passed (2025)"
    score = columns[9]
    chosen = pick(score, 0.04)
    score[chosen] = np.char.add(score[chosen], " (unofficial)")
    date = columns[10]
    chosen = pick(date, 0.3)
    date[chosen] = [f"{int(d[5:7])}/{int(d[8:10])}/{d[2:4]}" for d in date[chosen]]
    practice = columns[11]
    chosen = pick(practice, 0.1)
    practice[chosen] = [f"NBME {10 + i % 4}: {p.split(';')[0]} / UWSA{1 + i % 2} "
                        f"{p.split(';')[1]}" for i, p in enumerate(practice[chosen])]
    letters = columns[12]
    letters[pick(letters, 0.02)] = "n/a"
    plan = columns[18]
    plan[pick(plan, 0.05) & (plan == "Yes")] = "Gen Surg"
    plan[pick(plan, 0.03) & (plan == "Yes")] = "Prelim"
    plan[pick(plan, 0.03) & (plan == "No")] = "none"


def _spell_stages(stage: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    spelled = stage.astype(object)
    for key, spellings in STAGE_SPELLINGS.items():
        chosen = stage == key
        spelled[chosen] = np.array(spellings)[rng.integers(0, len(spellings), chosen.sum())]
    return spelled.astype(str)


def _ascii(values: np.ndarray) -> np.ndarray:
    import unicodedata

    table = {
        value: unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
        .replace("'", "")
        for value in set(values.tolist())
    }
    return np.vectorize(table.__getitem__, otypes=[str])(values)


def write_cohort(table: pa.Table, path: Path) -> None:
    pa_csv.write_csv(
        table, path, write_options=pa_csv.WriteOptions(quoting_style="needed")
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic cohort CSV.")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--output", type=Path, required=True)
    arguments = parser.parse_args(argv)
    write_cohort(synthetic_cohort(arguments.rows, arguments.seed), arguments.output)


if __name__ == "__main__":
    main()
