"""The mapping file `--mapping FILE` reads and the Import page downloads (README "Command
line"): `[columns]` with `field = "Header as written"`, or `field = ""` to leave a field
unread, applied on top of the automatic matching."""

from __future__ import annotations

import json
import tomllib

from dashboard.engine import Cohort, Detection, MappingError
from dashboard.fields import FIELD_NAMES, FIELDS_BY_NAME
from dashboard.importer import RawCohort


def read_mapping_file(text: str, source: str) -> dict[str, str]:
    """The `[columns]` of a mapping file: field -> header ("" leaves the field unread);
    refused (MappingError) when it is not one."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"{source}: not a TOML file ({error})") from None
    unknown = sorted(set(document) - {"columns"})
    if unknown:
        raise MappingError(f"{source}: unknown section or key {unknown[0]!r}; a mapping file "
                           "holds [columns] only")
    columns = document.get("columns", {})
    if not isinstance(columns, dict):
        raise MappingError(f"{source}: [columns] must be a table of field = \"Header\"")
    for field, header in columns.items():
        if field not in FIELD_NAMES:
            raise MappingError(f"{source}: {field!r} is not a cohort field; fields are "
                               + ", ".join(FIELD_NAMES))
        if not isinstance(header, str):
            raise MappingError(f"{source}: {field} must be a header in quotes, or \"\" to "
                               "leave it unread")
    return dict(columns)


def apply_mapping_file(raw: RawCohort, detection: Detection, columns: dict[str, str]
                       ) -> tuple[dict[str, str], Detection]:
    """The detected mapping with the file's columns on top: a field named in it reads the
    column it names (taken from any other field), or nothing for ""."""
    mapping = dict(detection.mapping)
    name_parts = dict(detection.name_parts)
    for field, header in columns.items():
        mapping.pop(field, None)
        if field == "name":
            name_parts = {}
        if not header:
            continue
        if header not in raw.headers:
            raise MappingError(f"{raw.file_name}: the mapping names column {header!r} for "
                               f"{field}, and the file has no such column")
        for other, column in list(mapping.items()):
            if column == header:
                del mapping[other]
        name_parts = {part: column for part, column in name_parts.items() if column != header}
        mapping[field] = header
    return mapping, Detection(mapping, name_parts, detection.decided, detection.notes,
                              detection.suggestions)


def mapping_toml(cohort: Cohort) -> str:
    """The mapping in effect as the file `--mapping` reads: every field, its column or ""."""
    lines = ["# Cohort Advisor column mapping: cohort-advisor flag INPUT --mapping THIS_FILE",
             f"# Made from {json.dumps(cohort.raw.file_name, ensure_ascii=False)}"
             + (f", sheet {json.dumps(cohort.raw.sheet, ensure_ascii=False)}"
                if cohort.raw.sheet else ""), "", "[columns]"]
    for field in FIELD_NAMES:
        header = cohort.mapping.get(field)
        if field == "name" and header is None and cohort.name_parts:
            lines.append("# name is made of " + " + ".join(
                json.dumps(column, ensure_ascii=False) for column in cohort.name_parts.values()))
            continue
        comment = "" if header else f"  # {FIELDS_BY_NAME[field].label}: not read"
        lines.append(f"{field} = {json.dumps(header or '', ensure_ascii=False)}{comment}")
    return "\n".join(lines) + "\n"
