"""`leadflow nurture due|send|export` on a recycled person."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from test_nurture_tracks import recycled_person

from leadflow.services.context import Context


def test_nurture_cli_lists_and_exports_due_steps(sqlite_ctx: Context, cli: Any, tmp_path: Path) -> None:
    recycled_person(sqlite_ctx, "ada@example.com", "no_response")
    url = sqlite_ctx.engine.url.render_as_string(hide_password=False)
    due = cli("nurture", "due", "--db", url)
    assert due.code == 0 and "ada@example.com" in due.out and "product-update" in due.out
    idle = cli("nurture", "send", "--db", url)
    assert "none configured" in idle.out
    out = tmp_path / "steps.csv"
    exported = cli("nurture", "export", "--db", url, "--out", str(out))
    # The CLI runs on the wall clock, months after the planted enrolment: both steps are due by now.
    assert exported.code == 0 and "sent 2" in exported.out and "tracks completed 1" in exported.out
    rows = list(csv.DictReader(out.open()))
    assert [(r["email"], r["track"], r["asset"]) for r in rows] == [
        ("ada@example.com", "re_engage", "product-update"),
        ("ada@example.com", "re_engage", "webinar-invite"),
    ]
    assert "0 nurture step(s) due" in cli("nurture", "due", "--db", url).out
