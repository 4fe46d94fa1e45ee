"""The rule catalogue: one row per rule, read by the flagging, the app, the CLI and the docs.

Each rule's condition and severity run in `queries/flagging/rule_states.sql`, one column per
rule id in this order; every per-rule list (flags, unknown, counts, risk level, export columns,
prevalence) is derived from this tuple (`dashboard/flagging.py`). The wording paraphrases the
guidance the product is built on (docs/reference.md "The guidance"); `guidance` names its section.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

SEVERITIES = ("critical", "warning", "info")
STATES = ("raised", "clear", "unknown")


@dataclass(frozen=True)
class Rule:
    id: str
    label: str  # a few words, shown in tables and chips
    title: str  # one line, shown as the heading of a flag
    severity: str  # how severity is decided, in words (the SQL decides)
    fields: tuple[str, ...]  # canonical inputs the rule reads; missing ones make it unknown
    evidence: str  # the student's value against the threshold; str.format fields
    explanation: str  # why it matters
    recommendation: str  # what to do next; never names an application strategy
    action: str  # the recommendation in one line, for exports
    guidance: str  # section of the guidance it comes from
    is_headline: bool = False  # one of the three risk factors named in the product brief
    # When this rule is unknown the student's risk level is `needs_data` while this boolean
    # column of the rule query holds ("is_step1_due", "is_ready_stage"); "" for never.
    unknown_needs_data: str = ""
    # What to advise instead where the student's case makes the general advice wrong (a
    # general-surgery-first student, a sitting already on file): the first whose boolean
    # column of the rule query holds wins, so a text shown never contradicts the strategy or
    # advises a step already done.
    alternatives: tuple[Alternative, ...] = ()

    def advice_for(self, student: Mapping[str, object]) -> Alternative:
        """The recommendation and one-line action for this student."""
        for alternative in self.alternatives:
            if student.get(alternative.when):
                return alternative
        return Alternative("", self.recommendation, self.action)


@dataclass(frozen=True)
class Alternative:
    when: str  # a boolean column of queries/flagging/rule_states.sql
    recommendation: str
    action: str


RULES: tuple[Rule, ...] = (
    Rule(
        id="STEP1_FAIL",
        label="Step 1 failed or repeated",
        title="Step 1 failed or taken more than once",
        severity="critical",
        fields=("step1_result", "step1_attempts"),
        evidence="Step 1: {step1_result}; attempts: {step1_attempts}. Programs look for a "
        "pass on the first attempt.",
        explanation=(
            "Step 1 has been reported as pass/fail since January 2022, so programs no longer "
            "see a number, but they do see whether the exam was passed and how many attempts "
            "it took. Integrated plastics programs read a first-attempt pass as close to a "
            "minimum; a failure or a repeat is a red flag that weighs heavily on a US IMG and "
            "makes a direct integrated match a long reach."
        ),
        recommendation=(
            "Let Step 2 CK show the recovery: plan a long, protected study block and book the "
            "exam only when practice exams are at target. Build plastics research, US "
            "sub-internships and mentors who can speak for the student, and prepare a serious "
            "general surgery application as well."
        ),
        action="Let a strong Step 2 CK show recovery; prepare a general surgery application",
        alternatives=(Alternative(
            "has_step2_score",
            (
                "The Step 2 CK score is on file: let it, with plastics research, US "
                "sub-internships and mentors who can speak for the student, tell the story of "
                "the recovery, and make a serious general surgery application the base of the "
                "list."
            ),
            "Show the recovery through Step 2 CK, research and letters; general surgery as "
            "the base"),),
        guidance="Step 1 as a US Citizen IMG: If You Have Already Failed Step 1; FAQ 3",
        is_headline=True,
        unknown_needs_data="is_step1_due",
    ),
    Rule(
        id="STEP1_NOT_TAKEN",
        label="Step 1 not yet passed",
        title="Step 1 not taken yet",
        severity="clear in the preclinical stage; warning in the clinical stage; critical in "
        "the final year, when applying, or with no stage",
        fields=("step1_result", "stage"),
        evidence="Step 1: {step1_result}; stage: {stage}.",
        explanation=(
            "Clinical students normally have Step 1 behind them, and an application without a "
            "Step 1 pass is not complete. The later it is taken, the less room is left for "
            "Step 2 CK and sub-internships before programs begin reviewing applications."
        ),
        recommendation=(
            "Set a Step 1 date now, with a study plan built on a question bank and NBME "
            "practice exams, and postpone rather than sit it while practice scores are near "
            "the pass line: a first-attempt pass matters more than an early one."
        ),
        action="Book Step 1 with a study plan; sit it when practice exams are safely passing",
        guidance="Step 1 Strategy for Future Plastics Applicants; Practical Action Plan by Year",
    ),
    Rule(
        id="STEP1_ATTEMPTS_LIMIT",
        label="Step 1 attempts nearly used up",
        title="Three or more Step 1 attempts without a pass",
        severity="critical",
        fields=("step1_attempts", "step1_result"),
        evidence="Step 1: {step1_result} after {step1_attempts} attempt(s); USMLE allows four "
        "attempts at a Step, so {step1_attempts_left} left.",
        explanation=(
            "USMLE allows at most four attempts at each Step, incomplete attempts included. "
            "With three used and no pass, the next sitting is the last; after a fourth "
            "without a pass, the USMLE route to a US residency is closed, and with it ECFMG "
            "certification and the Match."
        ),
        recommendation=(
            "Confirm the attempt count with USMLE (the student's USMLE record) before anything "
            "else. With one attempt left, sit it only when practice exams are well above the "
            "pass line, with the school's academic support and a tutor; with none left, talk "
            "through careers that do not need a US residency."
        ),
        action="Confirm the Step 1 attempt count with USMLE; the next sitting may be the last",
        guidance="Step 1 as a US Citizen IMG: If You Have Already Failed Step 1 (USMLE "
        "attempt limit)",
    ),
    Rule(
        id="STEP2_FAIL",
        label="Step 2 CK failed",
        title="Step 2 CK under the passing score",
        severity="critical",
        fields=("step2ck_score",),
        evidence="Step 2 CK {step2ck_score}, under the passing score of {step2_pass_shown} in "
        "force on the exam date ({step2ck_date}; USMLE).",
        explanation=(
            "A score under the passing standard is a failed attempt, and programs see it "
            "alongside the retake. For integrated plastics this usually closes the direct "
            "route for this cycle."
        ),
        recommendation=(
            "Plan the retake first: find out what went wrong, rebuild the study plan with the "
            "school's academic support, and retest only when practice exams are well above "
            "the passing line. Talk through the Match timing and a general surgery route."
        ),
        action="Plan the Step 2 CK retake with academic support before anything else",
        guidance="If Your Step 2 CK Is Low: Realistic Strategy for the Integrated Plastics Match",
    ),
    Rule(
        id="EXAMS_MISS_MATCH",
        label="Exams miss this Match",
        title="A Step 1 or Step 2 CK pass can no longer be on file for this Match",
        severity="critical",
        fields=("step1_result", "step2ck_score", "step2ck_date", "stage"),
        evidence="For the {cycle} Match the last sitting whose result reaches ECFMG by the "
        "rank order list deadline ({date_rank_list}) was {date_exam_deadline}. Step 1: "
        "{step1_result}; Step 2 CK: {step2ck_score} (exam date {step2ck_date}). The plan is "
        "for the {match_year} Match.",
        explanation=(
            "The NRMP withdraws an IMG from the Match when ECFMG has not confirmed passes on "
            "Step 1 and Step 2 CK by the rank order list deadline. A pass that cannot be on "
            "file by then means this Match is lost, whatever the interviews."
        ),
        recommendation=(
            "Say so to the student now, and plan for the next Match: sit the missing exam "
            "early enough that the score reaches programs before they begin reviewing, and "
            "use the year for US clinical work, research and new letters."
        ),
        action="Plan for the next Match: the missing pass cannot reach ECFMG by the rank list "
        "deadline",
        guidance="Structuring Your Step 2 CK Preparation: Timeline Planning (NRMP FAQ on "
        "exam passes for IMGs)",
    ),
    Rule(
        id="STEP2_LOW",
        label="Step 2 CK low",
        title="Step 2 CK under the low-score line",
        severity="critical",
        fields=("step2ck_score",),
        evidence="Step 2 CK {step2ck_score}, under the low-score line of {step2_low}.",
        explanation=(
            "Step 2 CK is now the main number programs compare. Under this line many "
            "integrated plastics programs screen an application out before it is read, "
            "whatever else it holds, and they apply that screen strictly to US IMGs."
        ),
        recommendation=(
            "Expect many integrated programs to screen the application out, and make sure a "
            "full general surgery list protects the Match; the strategy shown for the student "
            "says how far to go with integrated plastics. Use the time for plastics research, "
            "US sub-internships and letters from surgeons who have watched the student work."
        ),
        action="Protect the Match with a full general surgery list; build research and letters",
        guidance="If Your Step 2 CK Is Low: Realistic Strategy for the Integrated Plastics Match",
        is_headline=True,
    ),
    Rule(
        id="STEP2_BELOW_TARGET",
        label="Step 2 CK under target",
        title="Step 2 CK between the low-score line and the target",
        severity="warning",
        fields=("step2ck_score",),
        evidence="Step 2 CK {step2ck_score}: at or above {step2_low}, under the target of "
        "{step2_target}.",
        explanation=(
            "The score passes the low-score screen but sits under the level the guidance "
            "sets for a plastics applicant, so it will not carry the application alone. "
            "Research, letters and sub-internships have to make up the difference."
        ),
        recommendation=(
            "Strengthen what compensates for the score: plastics publications and "
            "presentations, US sub-internships, and letters from US plastic surgeons. How "
            "many integrated programs to apply to follows the strategy shown for the student."
        ),
        action="Strengthen research, sub-Is and letters to compensate for the score",
        alternatives=(Alternative(
            "is_gs_first",
            (
                "With general surgery first, make the general surgery application as strong as "
                "it can be: letters from US general surgeons, a US general surgery sub-I, and "
                "research that shows steady work; a broad list of categorical programs with "
                "preliminary positions beside it."
            ),
            "Strengthen the general surgery application: letters, sub-I, list"),),
        guidance="What Is a Competitive Step 2 CK Score for Plastics?; Application Year",
    ),
    Rule(
        id="STEP2_PENDING",
        label="Step 2 CK score late",
        title="No Step 2 CK score in time for programs to review",
        severity="warning; critical once programs have begun reviewing applications",
        fields=("step2ck_score", "step2ck_date", "stage"),
        evidence="No Step 2 CK score. Exam date: {step2ck_date}. Programs begin reviewing "
        "for the {cycle} Match on {date_first_review} (the first of the PSCA release and "
        "ERAS review); a score arrives about {score_release_days} days after the exam, so "
        "the latest sitting in time is {date_latest_sitting}.",
        explanation=(
            "The student is in the final year or applying, and no Step 2 CK score will reach "
            "programs by the day they begin reviewing applications. Without the one number "
            "programs rely on, an application is read late or not at all. (The guidance "
            "speaks of ERAS opening; what matters now is the date programs start reviewing, "
            "late in September of the year before the Match.)"
        ),
        recommendation=(
            "Book Step 2 CK on or before the latest sitting shown, so the score is out before "
            "review begins, after a protected 8-12 week study block. Check seat availability "
            "early, as some international test sites fill up, and sit it only once practice "
            "exams reach the target."
        ),
        action="Book Step 2 CK by the latest sitting that gets a score to programs in time",
        alternatives=(Alternative(
            "has_step2_sitting",
            (
                "A sitting is on file, but its score arrives after programs begin reviewing. "
                "If practice exams are at target, bring it forward to the latest sitting shown; "
                "if not, keep it, and make sure the score reaches programs and ECFMG well "
                "before the rank order list deadline."
            ),
            "Bring the booked sitting forward if ready; the score must reach ECFMG in time"),),
        guidance="Structuring Your Step 2 CK Preparation: Timeline Planning",
    ),
    Rule(
        id="PRACTICE_LOW",
        label="Practice scores low",
        title="Several practice exams under the low-score line",
        severity="warning; clear in the preclinical stage",
        fields=("step2ck_score", "practice_scores"),
        evidence="Practice scores {practice_scores}: {count_low_practice_scores} under "
        "{practice_low} (a concern from {practice_low_count}).",
        explanation=(
            "Recent NBME and UWSA practice exams predict a Step 2 CK result under the "
            "low-score line. Sitting the real exam now risks a low score that every program "
            "will see."
        ),
        recommendation=(
            "Consider moving the exam back until practice scores are consistently at target, "
            "without missing the latest sitting for this cycle: extend the study period, work "
            "on the weak subjects, and bring in a tutor or the school's academic support."
        ),
        action="Move Step 2 CK back until practice scores reach the target",
        guidance="Data-Driven Score Targets; FAQ 4",
    ),
    Rule(
        id="US_PLASTICS_LORS_MISSING",
        label="Few US plastics letters",
        title="Fewer letters from US plastic surgeons than needed",
        severity="info outside the readiness stages; in them, warning with some letters in "
        "hand or, with none, while a US plastics sub-I is done or booked before review opens; "
        "else critical",
        fields=("us_plastics_lors", "stage"),
        evidence="{us_plastics_lors} letter(s) from US plastic surgeons, {us_plastics_lors_min} "
        "needed; US plastics sub-Is done or booked: {us_plastics_subis}.",
        explanation=(
            "Plastics programs weigh letters from US plastic surgeons who have seen the "
            "applicant work. A US IMG has no home program to write them, so they have to be "
            "earned on US rotations or research, and that takes months to arrange."
        ),
        recommendation=(
            "Plan US plastic surgery sub-internships or research time with US plastics faculty "
            "so that at least two plastic surgeons, academic ones if possible, work with the "
            "student for 3-4 weeks or more. Ask only attendings who can write in detail about "
            "the student's work and growth, and have letters uploaded before review opens."
        ),
        action="Arrange US plastics sub-Is or research to earn two letters before review opens",
        guidance="Building an Application That Rises Above a Low Score: Compelling Letters of "
        "Recommendation",
        is_headline=True,
        unknown_needs_data="is_ready_stage",
        alternatives=(Alternative(
            "is_gs_first",
            (
                "With general surgery first, the letters that count now come from US general "
                "surgeons who have seen the student operate and on call: earn them on US general "
                "surgery rotations. Letters from plastic surgeons matter for the long-term "
                "plastics route and can come later, from mentors met during residency."
            ),
            "Earn US general surgery letters; plastics letters can wait for "
            "the long-term route"),),
    ),
    Rule(
        id="SURGERY_LOR_MISSING",
        label="No surgery letter",
        title="No letter from a general or other surgeon",
        severity="warning in the readiness stages; info before them",
        fields=("surgery_lors", "stage"),
        evidence="{surgery_lors} letter(s) from general or other surgeons; "
        "{surgery_lors_min} needed.",
        explanation=(
            "Besides the plastics letters, the guidance asks for one from a general surgeon "
            "or another surgical mentor who can speak to the student in the operating room and "
            "as a colleague. It also supports a general surgery application."
        ),
        recommendation=(
            "Use a general surgery sub-internship or a surgical ICU elective at a US academic "
            "centre to earn a detailed letter from an attending who has worked with the "
            "student for several weeks."
        ),
        action="Earn a detailed letter on a US general surgery rotation",
        guidance="Compelling Letters of Recommendation; Strategic US Clinical Experience",
    ),
    Rule(
        id="NO_PLASTICS_RESEARCH",
        label="No plastics research",
        title="No plastic surgery publications or presentations",
        severity="warning in the readiness stages; info before them",
        fields=("publications", "presentations", "stage"),
        evidence="{publications} publication(s) and {presentations} presentation(s) in "
        "plastic surgery.",
        explanation=(
            "Plastics applicants who match usually bring a research record. For a US IMG "
            "without a home program, research is one of the few ways to show commitment to "
            "the field and to meet the surgeons who write letters."
        ),
        recommendation=(
            "Start with projects that finish quickly: case reports, case series, chart reviews "
            "and systematic reviews with US plastic surgeons, remote work included. Aim for an "
            "abstract or manuscript before applications go in; for a weaker file, weigh a "
            "dedicated US research year."
        ),
        action="Start quick plastics projects: case reports, reviews, chart reviews",
        guidance="Building an Application That Rises Above a Low Score: Maximize Plastic "
        "Surgery Research",
    ),
    Rule(
        id="NO_US_PLASTICS_SUBI",
        label="No US plastics sub-I",
        title="No US plastic surgery sub-internship",
        severity="warning in the readiness stages; info before them",
        fields=("us_plastics_subis", "stage"),
        evidence="{us_plastics_subis} US plastic surgery sub-I(s) done or booked.",
        explanation=(
            "A US plastics sub-internship is where a US IMG shows faculty their work and "
            "judgement, earns the letters that count, and becomes known to programs. Without "
            "one there is little US plastics evidence behind the application."
        ),
        recommendation=(
            "Apply early for US plastic surgery sub-internships (and a general surgery one at "
            "an academic centre), in the summer before the application, so that letters "
            "arrive before programs begin reviewing."
        ),
        action="Apply early for US plastic surgery sub-internships",
        alternatives=(Alternative(
            "is_gs_first",
            (
                "With general surgery first, spend the rotation time on a US general surgery "
                "sub-internship at an academic centre, ideally one where plastic surgery is "
                "visible: it earns the surgery letter that the application needs and keeps "
                "plastics mentors within reach for later."
            ),
            "Do a US general surgery sub-I at an academic centre instead"),),
        guidance="Strategic US Clinical Experience; Late Clinical / Early Final Year",
    ),
    Rule(
        id="NO_PARALLEL_PLAN",
        label="No backup plan",
        title="No backup application planned",
        severity="in the readiness stages critical beside a Step 1 failure or a low Step 2 CK, "
        "else warning; before them warning beside those, else info",
        fields=("parallel_plan",),
        evidence="Parallel plan: {parallel_plan}.",
        explanation=(
            "Many US IMGs reach plastic surgery by a stepped route, and applying to integrated "
            "plastics alone risks not matching at all. With a Step 1 failure or a low Step 2 "
            "CK, a backup application is essential."
        ),
        recommendation=(
            "Prepare a parallel application, most often categorical general surgery, with a "
            "preliminary surgery year or another surgical field as further options. After "
            "general surgery, plastic surgery remains open through an independent plastic "
            "surgery residency, matched through the SF Match; it has far fewer places than "
            "general surgery and is hard to match, so treat it as a possibility, not a plan."
        ),
        action="Add a parallel application, usually categorical general surgery",
        alternatives=(Alternative(
            "is_gs_first",
            (
                "With general surgery first, the backup is the preliminary surgery year (or a "
                "second specialty): apply to preliminary programs beside the categorical "
                "list, so that a year of US surgical training is in reach if the categorical "
                "match fails."
            ),
            "Add preliminary surgery programs beside the categorical general surgery list"),),
        unknown_needs_data="is_ready_stage",
        guidance="Parallel Planning: Protecting Your Surgical Career While Still Aiming for "
        "Plastics",
    ),
)

RULE_IDS: tuple[str, ...] = tuple(rule.id for rule in RULES)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def needs_data_rules(student: Mapping[str, object]) -> list[Rule]:
    """The rules whose unknown state makes this student `needs_data`."""
    return [rule for rule in RULES if rule.unknown_needs_data and student[rule.id] == "unknown"
            and student.get(rule.unknown_needs_data, True)]


def rule_state(value: str | None) -> str:
    """Raised, clear or unknown, from a rule column of the flagged table."""
    if value in SEVERITIES:
        return "raised"
    return value if value in STATES else "unknown"


def missing_fields(rule: Rule, values: Mapping[str, object]) -> list[str]:
    """The fields a rule that could not be checked lacked for this student (blank or
    unreadable: None); the stage, which only sets a severity, only when nothing else is."""
    missing = [name for name in rule.fields if values.get(name) is None]
    return [name for name in missing if name != "stage"] or missing


def evidence_text(rule: Rule, values: Mapping[str, object]) -> str:
    """The rule's evidence line filled with a student's values and the thresholds."""
    shown = {key: "missing" if value is None else _plain(value) for key, value in values.items()}
    return rule.evidence.format_map(_Missing(shown))


def _plain(value: object) -> object:
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def format_date(value: dt.date) -> str:
    """A date as an advisor reads it in any country: 30 Sep 2026."""
    return f"{value.day} {value:%b %Y}"


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
        "Apply broadly to integrated plastic surgery programs: the score and the profile (US "
        "plastics letters and research) are strong enough to aim high. Keep a backup "
        "application all the same."
    ),
    "targeted_integrated": (
        "Apply to a chosen set of integrated plastics programs, those that take IMGs and "
        "value research, together with a full list of categorical general surgery programs."
    ),
    "general_surgery_first": (
        "Make categorical general surgery the main application, with few or no integrated "
        "plastics programs. Plastic surgery stays possible later through an independent "
        "plastic surgery residency after general surgery (SF Match), which has few places; "
        "keep building plastics research and mentors along the way."
    ),
    "pending": (
        "The strategy waits on Step 2 CK, the number that decides it. Book the exam so the "
        "score reaches programs before they begin reviewing applications, and sit it once "
        "practice scores reach the target."
    ),
}

RISK_LEVELS = ("high", "moderate", "needs_data", "low")
AT_RISK_LEVELS = ("high", "moderate", "needs_data")
RISK_LABELS = {"high": "High", "moderate": "Moderate", "needs_data": "Needs data", "low": "Low"}
RISK_MEANINGS = {
    "high": "at least one critical flag",
    "moderate": "at least one warning, no critical flag",
    "needs_data": "no flag raised, but Step 1 (or, from the final year, US plastics letters) "
                  "could not be checked",
    "low": "no critical or warning flag, and the headline checks could run",
}
STAGES = ("preclinical", "clinical", "final_year", "applying")
STAGE_LABELS = {
    "preclinical": "Preclinical (M1-M2)",
    "clinical": "Clinical (M3)",
    "final_year": "Final year (M4)",
    "applying": "Applying",
}
