"""The Python examples in docs/predictive-scoring.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "predictive-scoring.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_doc_example_runs(code: str) -> None:
    exec(compile(code, str(DOC), "exec"), {})


def test_doc_names_every_cli_option() -> None:
    from leadflow.cli.model import model_app

    text = DOC.read_text(encoding="utf-8")
    for command in model_app.registered_commands:
        assert f"leadflow model {command.name}" in text
    for option in (
        "--outcome",
        "--id",
        "--date",
        "--algorithm",
        "--exclude",
        "--allow-leaky",
        "--dictionary",
        "--seed",
        "--model",
        "--out",
    ):
        assert option in text, option
