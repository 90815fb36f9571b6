"""The pure core (domain/, playbook/) imports no storage, web, engine or CLI library."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "leadflow"
FORBIDDEN = ("sqlalchemy", "fastapi", "starlette", "duckdb", "typer", "ibis", "pyspark", "alembic", "httpx")


def test_domain_and_playbook_import_nothing_impure() -> None:
    offenders = []
    for package in ("domain", "playbook"):
        for path in (SRC / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                offenders += [f"{path.relative_to(SRC)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
