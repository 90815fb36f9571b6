"""The Python examples in docs/attribution.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "attribution.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_doc_example_runs(code: str) -> None:
    exec(compile(code, str(DOC), "exec"), {})


def test_doc_defines_every_rule_model() -> None:
    from leadflow.domain.attribution import RULE_MODELS

    text = DOC.read_text(encoding="utf-8")
    for name in RULE_MODELS:
        assert f"`{name}`" in text, name
