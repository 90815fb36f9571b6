"""The SQL form of URL/text patterns (LIKE, equality, regex only where needed) matches exactly what the
Python matcher matches: globs with `*`, `?`, LIKE's own wildcards, newlines, URLs with and without a host."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.domain.scoring.conditions import Pattern
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
