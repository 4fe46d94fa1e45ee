"""The README's field and rule tables, made from the schema and the rule catalogue.

    python -m dashboard.docs     # prints both tables; tests/test_docs.py keeps the README in step
"""

from __future__ import annotations

from dashboard.fields import FIELDS
from dashboard.rules import RULES


def fields_table() -> str:
    lines = ["| field | type | accepted headers (any case, spaces, punctuation) | meaning |",
             "|---|---|---|---|"]
    for field in FIELDS:
        spellings = ", ".join(f"`{s}`" for s in field.synonyms)
        lines.append(f"| `{field.name}` | {field.kind} | {spellings} | {field.description} |")
    return "\n".join(lines)


def rules_table() -> str:
    lines = ["| rule | condition | severity | what it means | guidance |", "|---|---|---|---|---|"]
    for rule in RULES:
        core = " (core risk factor)" if rule.is_core else ""
        lines.append(
            f"| `{rule.id}`{core} | `{rule.condition}` | {rule.severity} | {rule.title} | "
            f"{rule.guidance} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(fields_table())
    print()
    print(rules_table())
