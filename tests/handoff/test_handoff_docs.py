"""docs/handoff.md stays true: its job-registry example runs, and every CLI command it shows exists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from leadflow.cli.main import build_app
from leadflow.services.worker import Job, default_jobs

DOC = Path(__file__).resolve().parents[2] / "docs" / "handoff.md"


def test_the_documented_job_example_builds_a_job() -> None:
    text = DOC.read_text(encoding="utf-8")
    snippet = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "def worker_jobs" in b)
    scope: dict[str, Any] = {"do_it": lambda ctx: 1}
    exec(snippet, scope)  # the documented code, verbatim
    jobs = scope["worker_jobs"]()
    assert isinstance(jobs[0], Job) and jobs[0].run(None) == {"done": 1}


def test_documented_commands_and_jobs_exist() -> None:
    text = DOC.read_text(encoding="utf-8")
    import typer.main

    group = typer.main.get_command(build_app())
    names = set(group.commands)  # type: ignore[attr-defined]
    used = set(re.findall(r"^\s*leadflow ([a-z]+)", text, re.M))
    assert used and used <= names, used - names
    for job in ("route_pending", "sla_sweep"):
        assert f"`{job}`" in text and job in {j.name for j in default_jobs()}
