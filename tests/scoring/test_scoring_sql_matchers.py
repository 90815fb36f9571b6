"""The SQL form of URL/text patterns (LIKE, equality, regex only where needed) matches exactly what the
Python matcher matches: globs with `*`, `?`, LIKE's own wildcards, newlines, URLs with and without a host;
and word lists as one regex alternation (words with regex metacharacters)."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.domain.scoring.conditions import Contains, Pattern
from leadflow.services.scoring_sql import matcher_sql

GLOBS = [
    "/pricing*",
    "/pricing",
    "*pricing*",
    "*.pdf",
    "/a*b*c",
    "/x?y*",
    "100%_off*",
    "/back\\slash*",
    "*",
    "/*",
    "docs.example.com/*",
    "https://*",
]
ALPHABET = st.sampled_from([*"/abcxyPRICNGg.:%_\\?*\n\r é", "pricing", "http://", "https://h.io", ".pdf"])
TEXTS = st.lists(ALPHABET, max_size=8).map("".join)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def _sql_matches(con: duckdb.DuckDBPyConnection, glob: str, text: str | None) -> bool:
    sql = matcher_sql(Pattern((glob,)), "lower(t)")
    row = con.execute(
        f"SELECT coalesce({sql}, FALSE) FROM (SELECT CAST(? AS VARCHAR) AS t)", [text]
    ).fetchone()
    assert row is not None
    return bool(row[0])


@pytest.mark.parametrize("glob", GLOBS)
@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "/pricing",
        "/Pricing/Enterprise",
        "https://www.example.com/pricing?x=1",
        "/pricing\nx",
        "http://a\nb/pricing",
        "/pricing\rx",
        "100%_off now",
        "100x-off",
        "/back\\slash/x",
        "/xzy1",
        "report.PDF",
        "docs.example.com/a",
    ],
)
def test_glob_sql_is_the_python_match(con: duckdb.DuckDBPyConnection, glob: str, text: str | None) -> None:
    assert _sql_matches(con, glob, text) == Pattern((glob,)).matches(text)


@settings(max_examples=300, deadline=None)
@given(glob=st.sampled_from(GLOBS), text=TEXTS)
def test_glob_sql_agrees_on_any_text(glob: str, text: str) -> None:
    con = duckdb.connect()
    assert _sql_matches(con, glob, text) == Pattern((glob,)).matches(text)


WORDS = [
    ("vp", "chief", "head of"),
    ("a.b", "c*d", "e?f", "(x)", "[y]", "z|w", "\\s", "^$", "1+1", "{2}"),
    ("line\nbreak", "é", "%_"),
    ("vp", "cto"),
]


@settings(max_examples=300, deadline=None)
@given(
    words=st.sampled_from(WORDS), text=st.lists(st.sampled_from([*WORDS[1], *"ab .*?()|\n é"]), max_size=6)
)
def test_contains_sql_agrees_on_any_text(words: tuple[str, ...], text: list[str]) -> None:
    value = "".join(text)
    sql = matcher_sql(Contains(words), "lower(t)")
    row = duckdb.connect().execute(f"SELECT coalesce({sql}, FALSE) FROM (SELECT ? AS t)", [value]).fetchone()
    assert row is not None
    assert bool(row[0]) == Contains(words).matches(value)


@pytest.mark.parametrize(
    ("glob", "text", "expected"),
    [
        ("/pricing*", "/pricing\nx", True),  # * matches a newline, as in fnmatch and LIKE
        ("*report*", "annual\nreport", True),
        ("/a?b", "/a\nb", True),  # so does ?
        ("/pricing", "/pricing\n", False),  # no wildcard: the whole text must be the glob
    ],
)
def test_wildcards_match_newlines(
    con: duckdb.DuckDBPyConnection, glob: str, text: str, expected: bool
) -> None:
    assert Pattern((glob,)).matches(text) is expected
    assert _sql_matches(con, glob, text) is expected
