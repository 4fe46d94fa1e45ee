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
CAMPUSES = ("Island Campus", "Harbour Campus", "Lisbon Site", "Kraków Site")
ADVISORS = ("Dr. Álvarez", "Dr. Chen", "Dr. Lindqvist", "Dr. Okafor", "Dr. Patel")
STAGE_SPELLINGS = {
    "preclinical": ("M1", "M2", "MS2", "Basic sciences"),
    "clinical": ("M3", "Clinical"),
    "final_year": ("M4", "Final year"),
    "applying": ("Applicant", "Graduate", "Reapplicant"),
}
HEADERS = (
    "Student ID", "Name", "Email", "Class Year", "Stage", "Campus", "Advisor", "USMLE Step 1",
    "Step 1 Attempts", "Step 2 CK", "Step 2 CK Date", "Practice Scores", "US Plastics LORs",
    "Surgery LORs", "Publications", "Presentations", "US Plastics Sub-Is", "Research Year",
    "Parallel Plan",
)


def synthetic_cohort(rows: int, seed: int = 7) -> pa.Table:
    """A cohort table with the headers an advisor's spreadsheet would carry."""
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
    stage = stage_keys[rng.choice(4, rows, p=[0.2, 0.2, 0.35, 0.25])]
    stage_text = _spell_stages(stage, rng)
    is_ready = np.isin(stage, ("final_year", "applying"))
    is_clinical_plus = stage != "preclinical"
    class_year = 2027 + np.select(
        [stage == "applying", stage == "final_year", stage == "clinical"], [0, 0, 1], 2
    ) + rng.integers(0, 2, rows) * (stage == "preclinical")

    step1_draw = rng.random(rows)
    step1 = np.where(
        ~is_clinical_plus & (rng.random(rows) < 0.6), "Not taken",
        np.where(step1_draw < 0.06, "Fail", "Pass"),
    )
    attempts = np.where(
        step1 == "Not taken", "0",
        np.where((step1 == "Fail") | (step1_draw < 0.09), "2", "1"),
    )
    has_score = is_clinical_plus & (rng.random(rows) < np.where(is_ready, 0.8, 0.25))
    score = np.clip(np.rint(rng.normal(244, 11, rows)), 190, 280).astype(int)
    score_text = np.where(has_score, score.astype(str), "")
    exam_date = np.datetime64("2027-05-01") + rng.integers(0, 240, rows).astype("timedelta64[D]")
    date_text = np.where(~has_score & is_clinical_plus & (rng.random(rows) < 0.7),
                         exam_date.astype(str), "")
    practice = np.clip(np.rint(rng.normal(238, 10, (rows, 3))), 190, 275).astype(int).astype(str)
    practice_text = np.char.add(np.char.add(np.char.add(practice[:, 0], ";"), practice[:, 1]),
                                np.char.add(";", practice[:, 2]))
    practice_text = np.where(~has_score & is_clinical_plus & (rng.random(rows) < 0.8),
                             practice_text, "")

    maturity = np.select([stage == "applying", stage == "final_year", stage == "clinical"],
                         [1.0, 0.8, 0.35], 0.1)
    plastics_lors = rng.poisson(2.2 * maturity)
    surgery_lors = rng.poisson(1.3 * maturity)
    publications = rng.poisson(2.0 * maturity)
    presentations = rng.poisson(1.5 * maturity)
    subis = rng.poisson(1.4 * maturity)
    research_year = np.where(rng.random(rows) < 0.2, "Yes", "No")
    parallel = np.where(rng.random(rows) < 0.55, "Yes", np.where(rng.random(rows) < 0.8, "No", ""))

    columns = (
        np.char.add("S", np.char.zfill(index.astype(str), 7)), names, emails, class_year,
        stage_text, np.array(CAMPUSES)[rng.integers(0, len(CAMPUSES), rows)],
        np.array(ADVISORS)[rng.integers(0, len(ADVISORS), rows)], step1, attempts, score_text,
        date_text, practice_text, plastics_lors, surgery_lors, publications, presentations,
        subis, research_year, parallel,
    )
    return pa.table({header: pa.array(column.astype(str)) for header, column in
                     zip(HEADERS, columns, strict=True)})


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
