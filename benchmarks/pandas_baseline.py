"""The usual alternative: the same rules in pandas, row by row, the way an analyst writes them.

    python benchmarks/pandas_baseline.py INPUT.csv OUTPUT.csv

Only the benchmark runs this; it exists to put a number on "why not just pandas".
"""

from __future__ import annotations

import sys

import pandas as pd

STEP2_LOW, STEP2_TARGET, STEP2_HIGH = 235, 245, 255
AGGRESSIVE_MIN, TARGETED_MIN = 250, 240
READY = {"M4", "Final year", "Applicant", "Graduate", "Reapplicant"}


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def flag_row(row) -> dict:
    score = number(row["Step 2 CK"])
    attempts = number(row["Step 1 Attempts"])
    lors = number(row["US Plastics LORs"])
    pubs, pres = number(row["Publications"]), number(row["Presentations"])
    ready = row["Stage"] in READY or pd.isna(row["Stage"])
    flags = []
    if str(row["USMLE Step 1"]).lower() == "fail" or (attempts or 1) >= 2:
        flags.append(("STEP1_FAIL", "critical"))
    if score is not None and score < STEP2_LOW:
        flags.append(("STEP2_LOW", "critical"))
    if score is not None and STEP2_LOW <= score < STEP2_TARGET:
        flags.append(("STEP2_BELOW_TARGET", "warning"))
    if score is None and ready and (pd.isna(row["Step 2 CK Date"])
                                    or str(row["Step 2 CK Date"]) > "2027-09-24"):
        flags.append(("STEP2_PENDING", "warning"))
    if score is None and isinstance(row["Practice Scores"], str):
        low = [s for s in row["Practice Scores"].split(";") if number(s) and number(s) < 235]
        if len(low) >= 2:
            flags.append(("PRACTICE_LOW", "warning"))
    if lors is not None and lors < 2:
        flags.append(("US_PLASTICS_LORS_MISSING",
                      "info" if not ready else "critical" if lors == 0 else "warning"))
    if number(row["Surgery LORs"]) == 0:
        flags.append(("SURGERY_LOR_MISSING", "warning" if ready else "info"))
    if pubs == 0 and pres == 0:
        flags.append(("NO_PLASTICS_RESEARCH", "warning" if ready else "info"))
    if number(row["US Plastics Sub-Is"]) == 0:
        flags.append(("NO_US_PLASTICS_SUBI", "warning" if ready else "info"))
    if str(row["Parallel Plan"]).lower() == "no":
        severe = any(rule in ("STEP1_FAIL", "STEP2_LOW") for rule, _ in flags)
        flags.append(("NO_PARALLEL_PLAN", "critical" if severe else "warning"))
    severities = {severity for _, severity in flags}
    strong = (lors or 0) >= 2 and (pubs or 0) + (pres or 0) >= 2
    if score is None:
        band, strategy = "unknown", "pending"
    else:
        band = ("highly_competitive" if score >= STEP2_HIGH else "competitive"
                if score >= STEP2_TARGET else "borderline" if score >= STEP2_LOW else "low")
        strategy = ("aggressive_integrated" if score >= AGGRESSIVE_MIN and strong
                    else "targeted_integrated" if score >= TARGETED_MIN
                    else "general_surgery_first")
    return {
        "student_id": row["Student ID"], "name": row["Name"],
        "risk_level": "high" if "critical" in severities else "moderate"
        if "warning" in severities else "low",
        "band": band, "strategy": strategy, "flags": ";".join(rule for rule, _ in flags),
    }


def main(source: str, target: str) -> None:
    cohort = pd.read_csv(source, dtype=str)
    flagged = pd.DataFrame([flag_row(row) for _, row in cohort.iterrows()])
    pd.concat([flagged, cohort], axis=1).to_csv(target, index=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
