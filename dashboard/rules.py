"""The rule catalogue (SPEC section 3): one row per rule, read by the app, the CLI and the docs.

The conditions run in `queries/flagged_students.sql`, one output column per rule id, in this
order; `tests/test_rules_catalogue.py` holds the two to each other. Explanations and
recommendations paraphrase the guidance in `shared/seed/`; `guidance` names its section.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SEVERITIES = ("critical", "warning", "info")
STATES = ("raised", "clear", "unknown")


@dataclass(frozen=True)
class Rule:
    id: str
    label: str  # a few words, shown in tables and chips
    title: str  # one line, shown as the heading of a flag
    condition: str  # the SQL condition, as in SPEC section 3, for the docs
    severity: str  # how severity is decided, in words
    fields: tuple[str, ...]  # canonical inputs the rule reads; missing ones make it unknown
    evidence: str  # the student's value against the threshold; str.format fields
    explanation: str  # why it matters
    recommendation: str  # what to do next
    action: str  # the recommendation in one line, for exports
    guidance: str  # section of the guidance it comes from
    is_core: bool = False  # one of the three risk factors the guidance singles out


RULES: tuple[Rule, ...] = (
    Rule(
        id="STEP1_FAIL",
        label="Step 1 fail / repeat",
        title="Step 1 failed or taken more than once",
        condition="step1_result = 'fail' OR COALESCE(step1_attempts, 1) >= 2 "
        "(when step1_result is missing: step1_attempts >= 2)",
        severity="critical",
        fields=("step1_result", "step1_attempts"),
        evidence="Step 1: {step1_result}, attempts: {step1_attempts} "
        "(programs expect a pass on the first attempt)",
        explanation=(
            "Step 1 is pass/fail, but programs still see whether it was passed and in how many "
            "attempts. Integrated plastics programs treat a first-attempt pass as close to a "
            "requirement, so a failure or a repeat is a serious red flag for a US IMG and "
            "turns integrated plastics into a long reach."
        ),
        recommendation=(
            "Make Step 2 CK the proof of recovery: give it a long, dedicated study block and "
            "do not sit it until practice exams are at target. Build plastics research, US "
            "sub-internships and mentor relationships, and set up a parallel application to "
            "categorical general surgery (or prelim/other surgical fields) with an independent "
            "plastics fellowship as the long-term route."
        ),
        action="Prove recovery with a strong Step 2 CK; plan general surgery as the backup",
        guidance="Step 1 as a US Citizen IMG: If You Have Already Failed Step 1; FAQ 3",
        is_core=True,
    ),
    Rule(
        id="STEP2_LOW",
        label="Step 2 CK low",
        title="Step 2 CK below the low-score line",
        condition="step2ck_score < [step2_low]",
        severity="critical",
        fields=("step2ck_score",),
        evidence="Step 2 CK {step2ck_score}, under the low-score line of {step2_low}",
        explanation=(
            "Step 2 CK is now the main number programs compare. Below this line many "
            "integrated plastics programs screen an application out before anyone reads it, "
            "whatever else it holds, and for a US IMG the screen is applied even more strictly."
        ),
        recommendation=(
            "Plan around general surgery: a categorical general surgery list as the main "
            "application, with plastics through an independent fellowship later. Apply to "
            "integrated plastics only at a handful of programs, and only if research and US "
            "plastics letters are strong. Put the year into plastics research, US sub-Is and "
            "letters from surgeons who have watched the student work."
        ),
        action="Lead with categorical general surgery; apply to few integrated programs",
        guidance="If Your Step 2 CK Is Low: Realistic Strategy for the Integrated Plastics Match",
        is_core=True,
    ),
    Rule(
        id="STEP2_BELOW_TARGET",
        label="Step 2 CK under target",
        title="Step 2 CK in the borderline range",
        condition="[step2_low] <= step2ck_score < [step2_target]",
        severity="warning",
        fields=("step2ck_score",),
        evidence="Step 2 CK {step2ck_score}, between {step2_low} and the target of {step2_target}",
        explanation=(
            "The score clears the low-score screen but sits under the level the guidance sets "
            "for a plastics applicant, so it will not carry the application by itself. The rest "
            "of the file (research, letters, sub-Is) has to make up the difference."
        ),
        recommendation=(
            "Apply to integrated plastics selectively, at programs that take IMGs and value "
            "research, alongside a solid categorical general surgery list. Strengthen what "
            "compensates for the score: plastics publications and presentations, US sub-Is and "
            "letters from US plastic surgeons."
        ),
        action="Targeted integrated list plus a solid general surgery list",
        guidance="What Is a Competitive Step 2 CK Score for Plastics?; Application Year",
    ),
    Rule(
        id="STEP2_PENDING",
        label="Step 2 CK pending",
        title="No Step 2 CK score in time for ERAS",
        condition="step2ck_score IS NULL and readiness stage and "
        "(step2ck_date IS NULL OR step2ck_date > [eras_opens])",
        severity="warning",
        fields=("step2ck_score", "step2ck_date", "stage"),
        evidence="No Step 2 CK score; exam date: {step2ck_date}; ERAS opens {eras_opens}",
        explanation=(
            "The student is in the final year or applying but has no Step 2 CK score, and the "
            "exam is not booked before programs first see applications. Without the one number "
            "programs rely on, an application is read late or not at all."
        ),
        recommendation=(
            "Book Step 2 CK so the score is released before ERAS opens, leaving a protected "
            "8-12 week study block. Check seat availability at US test centres early; some "
            "international sites fill up. Test only once practice exams reach the target."
        ),
        action="Book Step 2 CK so the score is out before ERAS opens",
        guidance="Structuring Your Step 2 CK Preparation: Timeline Planning",
    ),
    Rule(
        id="PRACTICE_LOW",
        label="Practice scores low",
        title="Several practice exams under the low-score line",
        condition="step2ck_score IS NULL and at least [practice_low_count] practice scores "
        "< [practice_low]",
        severity="warning",
        fields=("step2ck_score", "practice_scores"),
        evidence="Practice scores {practice_scores}: {count_low_practice_scores} under "
        "{practice_low} (concern from {practice_low_count})",
        explanation=(
            "Recent NBME and UWSA practice exams predict a Step 2 CK result under the low-score "
            "line. Sitting the real exam now risks a low score that follows the student through "
            "every application."
        ),
        recommendation=(
            "Advise delaying Step 2 CK until practice exams are consistently at target, without "
            "missing the ERAS timeline: extend the study period, target the weak subjects, and "
            "bring in a tutor or the school's academic support."
        ),
        action="Delay Step 2 CK until practice scores reach the target",
        guidance="Data-Driven Score Targets; FAQ 4",
    ),
    Rule(
        id="US_PLASTICS_LORS_MISSING",
        label="Few US plastics letters",
        title="Fewer letters from US plastic surgeons than needed",
        condition="us_plastics_lors < [us_plastics_lors_min]",
        severity="critical when none, warning when some; info before the final year",
        fields=("us_plastics_lors", "stage"),
        evidence="{us_plastics_lors} letter(s) from US plastic surgeons; {us_plastics_lors_min} "
        "needed",
        explanation=(
            "Plastics programs put great weight on letters from US plastic surgeons who have "
            "seen the applicant work. A US IMG has no home program to supply them, so they must "
            "be earned on US rotations, and too few of them is one of the three main risk "
            "factors in the guidance."
        ),
        recommendation=(
            "Plan US plastic surgery sub-internships or research time with US plastics faculty "
            "so that at least two plastic surgeons, academic if possible, see the student for "
            "3-4 weeks or more. Ask only attendings who can speak in detail about the student's "
            "work and growth."
        ),
        action="Arrange US plastics sub-Is or research to earn two letters",
        guidance="Building an Application That Rises Above a Low Score: Compelling Letters of "
        "Recommendation",
        is_core=True,
    ),
    Rule(
        id="SURGERY_LOR_MISSING",
        label="No surgery letter",
        title="No letter from a general or other surgeon",
        condition="surgery_lors < [surgery_lors_min]",
        severity="warning; info before the final year",
        fields=("surgery_lors", "stage"),
        evidence="{surgery_lors} letter(s) from general or other surgeons; {surgery_lors_min} "
        "needed",
        explanation=(
            "Alongside the plastics letters, the guidance asks for a letter from a general "
            "surgeon or another surgical mentor who can speak to operating-room performance "
            "and professionalism. It also anchors the general surgery side of a parallel plan."
        ),
        recommendation=(
            "Use a general surgery sub-I or surgical ICU elective at a US academic centre to earn "
            "a detailed letter from an attending who has worked with the student for several "
            "weeks."
        ),
        action="Earn a detailed letter on a US general surgery rotation",
        guidance="Compelling Letters of Recommendation; Strategic US Clinical Experience",
    ),
    Rule(
        id="NO_PLASTICS_RESEARCH",
        label="No plastics research",
        title="No plastic surgery publications or presentations",
        condition="publications = 0 AND presentations = 0",
        severity="warning; info before the final year",
        fields=("publications", "presentations", "stage"),
        evidence="{publications} publication(s), {presentations} presentation(s) in plastic "
        "surgery",
        explanation=(
            "Successful plastics applicants usually bring a research record, and for a US IMG "
            "without a home program research is one of the few ways to show commitment to the "
            "field and to meet the surgeons who write letters."
        ),
        recommendation=(
            "Start with projects that finish fast: case reports, case series, chart reviews, "
            "systematic reviews with US plastic surgeons, including remote work. Aim for "
            "abstracts or manuscripts before ERAS; for a weaker file, consider a dedicated US "
            "research year."
        ),
        action="Start quick plastics projects: case reports, reviews, chart reviews",
        guidance="Building an Application That Rises Above a Low Score: Maximize Plastic "
        "Surgery Research",
    ),
    Rule(
        id="NO_US_PLASTICS_SUBI",
        label="No US plastics sub-I",
        title="No US plastic surgery sub-internship",
        condition="us_plastics_subis = 0",
        severity="warning; info before the final year",
        fields=("us_plastics_subis", "stage"),
        evidence="{us_plastics_subis} US plastic surgery sub-I(s) done or booked",
        explanation=(
            "A US plastics sub-internship is where a US IMG shows faculty their work ethic and "
            "clinical reasoning, earns the letters that matter, and gets known by programs. "
            "Without one the application has little US plastics evidence behind it."
        ),
        recommendation=(
            "Apply early for US plastic surgery sub-Is (and a general surgery sub-I at an "
            "academic centre), timed in the late clinical or early final year so that letters "
            "arrive before ERAS."
        ),
        action="Apply early for US plastic surgery sub-internships",
        guidance="Strategic US Clinical Experience; Late Clinical / Early Final Year",
    ),
    Rule(
        id="NO_PARALLEL_PLAN",
        label="No parallel plan",
        title="No backup application planned",
        condition="parallel_plan = false",
        severity="critical when Step 1 fail or Step 2 CK low is raised, else warning",
        fields=("parallel_plan",),
        evidence="Parallel plan: {parallel_plan}",
        explanation=(
            "Most US IMGs reach plastics by a stepped route, and relying on an integrated "
            "plastics match alone risks not matching at all. With a Step 1 failure or a low "
            "Step 2 CK, a backup is essential."
        ),
        recommendation=(
            "Build a parallel application, most often categorical general surgery (with a "
            "prelim year or another surgical field as further options), so that the student "
            "matches into training that keeps a plastics fellowship open."
        ),
        action="Add a parallel application, usually categorical general surgery",
        guidance="Parallel Planning: Protecting Your Surgical Career While Still Aiming for "
        "Plastics",
    ),
)

RULE_IDS: tuple[str, ...] = tuple(rule.id for rule in RULES)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def rule_state(value: str | None) -> str:
    """Raised, clear or unknown, from a rule column of the flagged table."""
    if value in SEVERITIES:
        return "raised"
    return value if value in STATES else "unknown"


def evidence_text(rule: Rule, values: Mapping[str, object]) -> str:
    """The rule's evidence line filled with a student's values and the thresholds."""
    shown = {key: "missing" if value is None else _plain(value) for key, value in values.items()}
    return rule.evidence.format_map(_Missing(shown))


def _plain(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "missing"


BANDS = ("highly_competitive", "competitive", "borderline", "low", "unknown")
BAND_LABELS = {
    "highly_competitive": "Highly competitive",
    "competitive": "Competitive",
    "borderline": "Borderline",
    "low": "Low",
    "unknown": "No score yet",
}

STRATEGIES = ("aggressive_integrated", "targeted_integrated", "general_surgery_first", "pending")
STRATEGY_LABELS = {
    "aggressive_integrated": "Aggressive integrated",
    "targeted_integrated": "Targeted integrated",
    "general_surgery_first": "General surgery first",
    "pending": "Pending Step 2 CK",
}
STRATEGY_ADVICE = {
    "aggressive_integrated": (
        "Apply broadly to integrated plastic surgery programs, and still keep a backup plan. "
        "The score and the profile (US plastics letters, research) are strong enough to aim "
        "high."
    ),
    "targeted_integrated": (
        "Apply to a targeted set of integrated plastics programs (those that take IMGs and "
        "value research) together with a robust list of categorical general surgery programs."
    ),
    "general_surgery_first": (
        "Apply to few or no integrated plastics programs. Make categorical general surgery the "
        "main application and plan for plastics through an independent fellowship after "
        "residency, building plastics research and mentors along the way."
    ),
    "pending": (
        "The strategy waits on Step 2 CK, the number that decides it. Get the exam scheduled "
        "for before ERAS opens and test once practice scores reach the target."
    ),
}

RISK_LEVELS = ("high", "moderate", "low")
STAGES = ("preclinical", "clinical", "final_year", "applying")
STAGE_LABELS = {
    "preclinical": "Preclinical (M1-M2)",
    "clinical": "Clinical (M3)",
    "final_year": "Final year (M4)",
    "applying": "Applying",
}
STAGE_NEXT_STEPS = {
    "preclinical": (
        "Build strong basic-science foundations and treat Step 1 as if it were scored: "
        "1.5-2 passes of a question bank, NBME practice exams, and postpone rather than risk a "
        "fail.",
        "Explore plastic surgery through ASPS/ACAPS webinars and shadowing during US visits.",
        "Join research early, even case reports with local surgeons.",
    ),
    "clinical": (
        "Excel in the core rotations, surgery above all.",
        "Start serious Step 2 CK preparation alongside rotations and find faculty who can "
        "support it.",
        "Begin networking with plastic surgeons, for example through virtual mentorship "
        "programmes.",
    ),
    "final_year": (
        "Sit Step 2 CK early enough for the score to reach programs when ERAS opens.",
        "Apply for US plastic surgery sub-Is and a US general surgery sub-I at an academic "
        "centre.",
        "Turn research projects into abstracts or manuscripts before ERAS submission.",
    ),
    "applying": (
        "Choose between integrated plastics and a general-surgery-first route on the evidence: "
        "Step 2 CK, research output, and the strength of letters and mentors.",
        "Keep a parallel plan, most often categorical general surgery, that protects the match "
        "and keeps a plastics fellowship open.",
        "Address low scores in the personal statement only with a clear reason and evidence "
        "of improvement.",
    ),
}
