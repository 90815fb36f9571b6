"""The Python examples in docs/simulator.md run as written, and the doc names every CLI option."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_doc_example_runs(code: str) -> None:
    exec(compile(code, str(DOC), "exec"), {})


def test_doc_names_every_cli_option() -> None:
    from leadflow.cli.simulate import export_parquet_cmd, simulate_cmd

    text = DOC.read_text(encoding="utf-8")
    for command in (simulate_cmd, export_parquet_cmd):
        for name in command.__annotations__:
            if name in ("return", "out", "db", "table"):
                continue
            assert f"--{name}" in text, name
    for option in ("--out", "--db", "--table", "--no-hubspot", "leadflow export parquet"):
        assert option in text, option
