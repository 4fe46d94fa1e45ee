"""Student IDs as keys for matching: one definition, used from Python and, as DuckDB functions,
from SQL.

The ID shown and exported is always the one written in the file; these keys only decide which
rows are the same student.

- `student_key`: the ID without its invisible differences (Unicode NFKC, so full-width digits
  are digits and a no-break space is a space; zero-width and other format characters dropped;
  every run of spaces, tabs or line breaks one space; none at the ends). Two IDs with the same
  key are the same ID: rows of one file with it are a repeated ID, and across snapshots they
  are one student.
- `look_alike_key`: the key without capital letters, leading zeros of each number, spaces, and
  with Cyrillic and Greek letters that look like Latin ones read as those. Two IDs with the same
  look-alike key but different keys may be the same student: the advisor is asked to confirm,
  and they are never merged (O and 0 are not taken as alike: many IDs mix them on purpose).
"""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

# Cyrillic and Greek letters drawn like a Latin letter in common fonts.
LOOK_ALIKE_LETTERS = {
    # Cyrillic capitals and small letters
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ԛ": "Q", "Ԝ": "W", "Ӏ": "I",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s", "і": "i",
    "ј": "j", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    # Greek capitals and small letters
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ρ": "p", "ν": "v",
    "ι": "i", "κ": "k", "χ": "x",
}
_LOOK_ALIKE_TABLE = str.maketrans(LOOK_ALIKE_LETTERS)
# Whitespace as Python's str.isspace knows it, after NFKC (which makes most spaces a space).
_WHITESPACE = r"[\s\x{0B}\x{1C}-\x{1F}\x{85}\p{Z}]+"
_LEADING_ZEROS = r"(^|[^0-9])0+([0-9])"


def student_keys(ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`student_key` of each ID (NULL stays NULL)."""
    ids = _array(ids)
    # An ID of printable ASCII without spaces is its own key: only the others are worked on.
    unusual = pc.fill_null(pc.match_substring_regex(ids, r"[^!-~]"), False)
    if not pc.any(unusual).as_py():
        return ids
    keys = pc.utf8_normalize(ids.filter(unusual), form="NFKC")
    keys = pc.replace_substring_regex(keys, r"\p{Cf}", "")
    keys = pc.replace_substring_regex(keys, _WHITESPACE, " ")
    keys = pc.utf8_trim(keys, " ")
    return pc.replace_with_mask(ids, unusual, keys)


def look_alike_keys(ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`look_alike_key` of each ID (NULL stays NULL)."""
    keys = student_keys(ids)
    foreign = pc.fill_null(pc.invert(pc.string_is_ascii(keys)), False)
    if pc.any(foreign).as_py():
        keys = pc.replace_with_mask(keys, foreign, pa.array(
            [key.translate(_LOOK_ALIKE_TABLE) for key in keys.filter(foreign).to_pylist()],
            pa.string()))
    keys = pc.utf8_lower(keys)
    spaced = pc.fill_null(pc.match_substring(keys, " "), False)
    if pc.any(spaced).as_py():
        keys = pc.replace_with_mask(keys, spaced,
                                    pc.replace_substring(keys.filter(spaced), " ", ""))
    return pc.replace_substring_regex(keys, _LEADING_ZEROS, r"\1\2")


def _array(ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    ids = pc.cast(ids, pa.string())
    return ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids


def student_key(student_id: str) -> str:
    """The ID as a matching key: the same as `student_keys`, for one ID."""
    return student_keys(pa.array([student_id], pa.string()))[0].as_py()


def look_alike_key(student_id: str) -> str:
    return look_alike_keys(pa.array([student_id], pa.string()))[0].as_py()


# What `look_alike_key` sets aside, one step each, in words (for telling how two IDs differ).
_STEPS = {
    "a letter from another alphabet that looks like a Latin one":
        lambda key: key.translate(_LOOK_ALIKE_TABLE),
    "capital letters": str.lower,
    "spaces": lambda key: key.replace(" ", ""),
    "leading zeros": lambda key: re.sub(_LEADING_ZEROS, r"\1\2", key),
}


def differences(first: str, second: str) -> list[str]:
    """How two IDs differ, in words: each step of `look_alike_key` without which they would
    still differ (empty when their keys are the same)."""
    one, other = student_key(first), student_key(second)
    if one == other:
        return []
    found = []
    for words in _STEPS:
        others = [step for name, step in _STEPS.items() if name != words]
        left, right = one, other
        for step in others:
            left, right = step(left), step(right)
        if left != right:
            found.append(words)
    return found or ["the way they are written"]


def look_alike_problem(student_id: str, other_id: str, where: str) -> str:
    """The data issue's words: "ID 'AB0012' looks like 'ab12' on row 7 (capital letters,
    leading zeros): confirm whether they are the same student; they are kept apart..."."""
    how = ", ".join(differences(student_id, other_id))
    return (f"ID {student_id!r} looks like {other_id!r} {where} (they differ only in {how}): "
            "confirm whether they are the same student; they are kept apart until the IDs "
            "are written the same way")


def _arrow_udf(function):
    def udf(ids: pa.Array) -> pa.Array:
        return function(ids)
    return udf


def register(con: duckdb.DuckDBPyConnection) -> None:
    """`student_key(id)`, `look_alike_key(id)` and `look_alike_problem(id, other_id, where)`
    as SQL functions of this connection (and its cursors)."""
    varchar = duckdb.sqltype("VARCHAR")
    registered = {name for (name,) in con.execute(
        "select function_name from duckdb_functions() where function_name in "
        "('student_key', 'look_alike_key', 'look_alike_problem')").fetchall()}
    for name, function in (("student_key", student_keys), ("look_alike_key", look_alike_keys)):
        if name not in registered:
            con.create_function(name, _arrow_udf(function), [varchar], varchar, type="arrow",
                                side_effects=False)
    if "look_alike_problem" not in registered:
        con.create_function("look_alike_problem", look_alike_problem,
                            [varchar, varchar, varchar], varchar, side_effects=False)
