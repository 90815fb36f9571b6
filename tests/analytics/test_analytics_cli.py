"""`leadflow funnel|velocity|plan|attribution|campaigns`: formats, engines, filters and clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from leadflow.services.context import Context

AT = ["--period", "2026-Q1", "--as-of", "2026-03-02T10:00"]


def _db(ctx: Context) -> list[str]:
    return ["--db", ctx.engine.url.render_as_string(hide_password=False)]


def test_funnel_table_and_json(tiny_sqlite: Context, cli: Any) -> None:
    r = cli("funnel", *AT, *_db(tiny_sqlite))
    assert r.code == 0, r.err
    assert "Funnel 2026-Q1" in r.out and "opportunity" in r.out
    r = cli("funnel", *AT, "--format", "json", *_db(tiny_sqlite))
    rows = {row["stage"]: row for row in json.loads(r.out)}
    assert rows["mql"]["entered"] == 6 and rows["mql"]["skipped"] == 2


def test_csv_breakdown_and_filters(tiny_sqlite: Context, cli: Any) -> None:
    r = cli(
        "funnel", *AT, "--by", "segment", "--channel", "paid_search", "--format", "csv", *_db(tiny_sqlite)
    )
    assert r.code == 0, r.err
    assert r.out.splitlines()[0].startswith("segment,stage,entered")
    r = cli("velocity", *AT, "--format", "json", *_db(tiny_sqlite))
    doc = json.loads(r.out)
    assert {"velocity", "touches_before_mql"} <= set(doc)


def test_plan_attribution_campaigns(tiny_sqlite: Context, cli: Any, tmp_path: Path) -> None:
    r = cli("plan", *AT, "--format", "json", *_db(tiny_sqlite))
    assert r.code == 0, r.err
    assert json.loads(r.out)["goal"][0]["goal"] == 100000.0
    out = tmp_path / "credits.parquet"
    r = cli(
        "attribution",
        *AT,
        "--model",
        "linear",
        "--model",
        "markov_1",
        "--format",
        "parquet",
        "--output",
        str(out),
        *_db(tiny_sqlite),
    )
    assert r.code == 0, r.err
    assert set(pd.read_parquet(out)["category"]) >= {"marketing_sourced", "marketing_influenced"}
    credits = pd.read_parquet(tmp_path / "credits-credits.parquet")
    assert set(credits["model"]) == {"linear", "markov_1"}
    r = cli("campaigns", *AT, "--view", "all", *_db(tiny_sqlite))
    assert r.code == 0, r.err
    assert "Search Q1" in r.out and "no_budget_now" in r.out and "mql_response" in r.out


def test_duckdb_over_parquet_from_the_cli(tiny_sqlite: Context, cli: Any, tmp_path: Path) -> None:
    done = cli("export", "parquet", str(tmp_path / "pq"), *_db(tiny_sqlite))
    assert done.code == 0, done.err
    store = cli("funnel", *AT, "--format", "json", *_db(tiny_sqlite))
    duck = cli("funnel", *AT, "--format", "json", "--engine", "duckdb", "--source", str(tmp_path / "pq"))
    assert duck.code == 0, duck.err
    assert json.loads(duck.out) == json.loads(store.out)
    attached = cli("funnel", *AT, "--format", "json", "--engine", "duckdb", *_db(tiny_sqlite))
    assert json.loads(attached.out) == json.loads(store.out)


def test_user_mistakes_are_one_clear_line(tiny_sqlite: Context, cli: Any) -> None:
    r = cli("funnel", "--period", "last quarter", *_db(tiny_sqlite))
    assert r.code == 7 and "not a period" in r.err
    r = cli("funnel", *AT, "--format", "xml", *_db(tiny_sqlite))
    assert r.code == 7 and "unknown format" in r.err
    r = cli("funnel", *AT, "--format", "parquet", *_db(tiny_sqlite))
    assert r.code == 7 and "--output" in r.err
    r = cli("funnel", *AT, "--engine", "spark", *_db(tiny_sqlite))
    assert r.code == 7 and "Parquet folder" in r.err
    r = cli("plan", "--period", "2031-Q1", "--as-of", "2026-03-02", *_db(tiny_sqlite))
    assert r.code == 7 and "no revenue goal" in r.err
    r = cli("funnel", *AT, "--engine", "duckdb", "--source", "/nonexistent/folder")
    assert r.code == 7 and "does not exist" in r.err
