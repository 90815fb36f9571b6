"""The meeting pack of a small simulated company: library numbers, self-contained HTML, A4 PDF, CLI, web."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from leadflow.analytics import dashboard_metrics, make_filters
from leadflow.analytics.filters import Filters
from leadflow.clock import FrozenClock
from leadflow.config import get_settings
from leadflow.reports.contents import PackContents, gather
from leadflow.reports.formatting import number, percent
from leadflow.reports.pack import render_html
from leadflow.services.context import Context, open_context
from leadflow.services.demo import DEMO_PASSWORD, build_demo
from leadflow.services.users import create_user
from leadflow.store.engine import make_engine
from leadflow.web.app import create_app

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
VIEWER = "viewer@pack.example"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Context, str]]:
    """A 500-person demo company (a year of history and live days) in a SQLite file, with a viewer."""
    url = f"sqlite:///{tmp_path_factory.mktemp('pack') / 'demo.db'}"
    ctx = open_context(get_settings(database_url=url), clock=FrozenClock(NOW), engine=make_engine(url))
    build_demo(ctx, people=500, seed=3, now=NOW)
    create_user(ctx, {"email": VIEWER, "name": "Vera Viewer", "role": "viewer", "password": DEMO_PASSWORD})
    yield ctx, url
    ctx.engine.dispose()


@pytest.fixture(scope="module")
def quarter() -> Filters:
    return make_filters("2026-Q4", NOW)


@pytest.fixture(scope="module")
def contents(demo: tuple[Context, str], quarter: Filters) -> PackContents:
    return gather(demo[0], quarter)


@pytest.fixture(scope="module")
def html(contents: PackContents) -> str:
    return render_html(contents)


@pytest.fixture(scope="module")
def viewer(demo: tuple[Context, str]) -> Iterator[TestClient]:
    """A signed-in viewer (the least privileged role) of the demo app."""
    client = TestClient(create_app(demo[0], secret="s" * 32, demo=True), base_url="http://127.0.0.1")
    assert client.post("/login", data={"email": VIEWER, "password": DEMO_PASSWORD}).status_code == 200
    yield client
    client.close()


@pytest.fixture(scope="module")
def pdf(viewer: TestClient) -> bytes:
    """The quarter's pack as PDF, downloaded once from the web route (WeasyPrint is slow)."""
    r = viewer.get("/pack.pdf", params={"period": "2026-Q4"})
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "application/pdf"
    assert 'filename="leadflow-pack-2026-Q4.pdf"' in r.headers["content-disposition"]
    return r.content


def _kpi(html: str, key: str) -> str:
    found = re.search(rf'id="kpi-{key}" data-value="([^"]*)"', html)
    assert found, f"tile {key} is missing"
    return found.group(1)


def test_pack_shows_the_dashboard_numbers(demo: tuple[Context, str], quarter: Filters, html: str) -> None:
    m = dashboard_metrics(demo[0], quarter)
    for stage in ("mql", "sal", "sql", "customer"):
        assert _kpi(html, f"entered_{stage}") == str(m["trend"][f"entered_{stage}"]["current"])
    assert float(_kpi(html, "revenue")) == m["trend"]["revenue"]["current"]
    assert float(_kpi(html, "marketing_sourced_revenue")) == m["marketing_sourced"]["revenue"]
    assert float(_kpi(html, "marketing_influenced_revenue")) == m["marketing_sourced"]["influenced_revenue"]
    assert float(_kpi(html, "sla_sales")) == m["sla"]["sales"]
    assert _kpi(html, "leakage") == str(m["leakage"]["total"])
    mql = next(r for r in m["funnel"] if r["stage"] == "mql")
    assert (
        f'<tr id="funnel-mql"><td class="l">Marketing-qualified lead</td><td>{number(mql["entered"])}</td>'
        in html
    )
    assert f'id="sla-marketing">{percent(m["sla"]["marketing"])}<' in html
    assert f'id="leakage-total">{number(m["leakage"]["total"])}<' in html
    assert (
        m["trend"]["entered_mql"]["current"] > 0 and m["leakage"]["total"] > 0
    )  # the demo has something to show


def test_pack_has_every_section_and_the_agreement(
    demo: tuple[Context, str], contents: PackContents, html: str
) -> None:
    for section in (
        "cover",
        "funnel",
        "plan",
        "sla",
        "feedback",
        "campaigns",
        "attribution",
        "mismatch",
        "leakage",
        "glossary",
    ):
        assert f'<section class="cover" id="{section}">' in html or f'<section id="{section}">' in html
    ctx = demo[0]
    assert f'id="playbook-version">{ctx.playbook.version}<' in html
    assert ctx.playbook.model.name in html and "2026-11-25 18:00 UTC" in html
    assert "MQL rule: a lead becomes an MQL when" in html.replace("&#39;", "'")
    assert "Marketing-influenced revenue" in html and "Shapley" in html and "W-shaped" in html
    assert contents.rejections and contents.attribution and contents.campaigns  # the demo fills every section
    assert html.count("<svg ") >= 5


def test_pack_html_is_self_contained(html: str) -> None:
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert not re.search(r'(?:src|href)\s*=\s*["\']?\s*(?:https?:)?//', html, re.I)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", html, re.I)
    assert not re.search(r"@import", html)


def test_pack_without_a_goal_or_activity_still_renders(demo: tuple[Context, str]) -> None:
    page = render_html(gather(demo[0], make_filters("2024-Q1", NOW)))
    assert "No revenue goal is set for 2024-Q1" in page
    assert 'id="kpi-entered_mql" data-value="0"' in page


def _objects(pdf: bytes) -> bytes:
    """The PDF with its compressed object streams inflated (WeasyPrint packs page objects in them)."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_pdf_pack_is_a4_with_several_pages(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF")
    objects = _objects(pdf)
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", objects))
    assert pages > 5, "one page per section at least"
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.\d+ 841\.\d+", objects), "A4 pages"


def test_pdf_first_page_converts_to_png(pdf: bytes, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm is missing under CI=true (apt-get install poppler-utils)")
        pytest.skip(
            "pdftoppm is missing (apt-get install poppler-utils; scripts/ensure-services does it as root)"
        )
    (tmp_path / "pack.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-f",
            "1",
            "-l",
            "1",
            "-r",
            "40",
            "-png",
            "-singlefile",
            str(tmp_path / "pack.pdf"),
            str(tmp_path / "page1"),
        ],
        check=True,
        timeout=60,
    )
    png = tmp_path / "page1.png"
    assert png.stat().st_size > 0 and png.read_bytes().startswith(b"\x89PNG")


def test_web_pack_for_a_viewer(viewer: TestClient) -> None:
    r = viewer.get("/pack", params={"period": "2026-Q4", "segment": "smb"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "segment = smb" in r.text and 'id="kpi-entered_mql"' in r.text
    assert viewer.get("/pack", params={"period": "someday"}).status_code in (400, 422)
    anonymous = TestClient(viewer.app, base_url="http://127.0.0.1")
    assert anonymous.get("/pack", follow_redirects=False).status_code in (302, 303, 401)


def test_cli_writes_html_and_pdf(demo: tuple[Context, str], cli: object, tmp_path: Path) -> None:
    url = demo[1]
    common = ("--db", url, "--period", "2026-Q4", "--as-of", "2026-11-25T18:00")
    done = cli("pack", *common, "--segment", "smb", "--out", str(tmp_path / "x.html"))  # type: ignore[operator]
    assert done.code == 0, done.err + done.out
    page = (tmp_path / "x.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "segment = smb" in page and "2026-Q4" in done.out
    done = cli("pack", "--db", url, "--period", "2024-Q1", "--out", str(tmp_path / "x.pdf"))  # type: ignore[operator]
    assert done.code == 0, done.err + done.out
    assert (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")
    bad = cli("pack", "--db", url, "--out", str(tmp_path / "x.docx"))  # type: ignore[operator]
    assert bad.code != 0 and "end the file name with .html or .pdf" in bad.err + bad.out
