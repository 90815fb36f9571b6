"""Rendering the meeting pack: the contents through one Jinja template to HTML, and that HTML to PDF."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from leadflow.analytics.filters import Filters
from leadflow.errors import InvalidInput
from leadflow.reports import charts
from leadflow.reports.charts import Bar
from leadflow.reports.contents import ATTRIBUTION_MILESTONE, ATTRIBUTION_MODELS, PackContents, gather
from leadflow.reports.formatting import FILTERS, change, days, label, money, number, percent
from leadflow.services.context import Context

PackFormat = Literal["html", "pdf"]
SUFFIXES: dict[str, PackFormat] = {".html": "html", ".htm": "html", ".pdf": "pdf"}
_ENV: Environment | None = None
MODEL_NAMES = {
    "first_touch": "First touch",
    "w_shaped": "W-shaped",
    "markov_1": "Markov",
    "shapley": "Shapley",
}


@dataclass(frozen=True)
class Tile:
    """One headline figure on the cover: the value now, before, and the change."""

    key: str
    title: str
    value: Any
    shown: str
    previous: str
    change: Any
    note: str = ""


def environment() -> Environment:
    """The pack's Jinja environment (templates shipped in leadflow/reports/templates), built once."""
    global _ENV
    if _ENV is None:
        _ENV = Environment(
            loader=PackageLoader("leadflow.reports", "templates"),
            autoescape=select_autoescape(["html", "css"], default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        _ENV.filters.update(FILTERS)
    return _ENV


def _tile(c: PackContents, key: str, title: str, fmt: Any, *, note: str = "") -> Tile:
    t = c.metrics["trend"][key]
    return Tile(key, title, t["current"], fmt(t["current"]), fmt(t["previous"]), t["change"], note)


def short_name(stage_id: str, name: str) -> str:
    """A stage name short enough for a chart label: long names give way to the id (MQL, SAL ...)."""
    return name if len(name) <= 14 else stage_id.upper()


def tiles(c: PackContents) -> list[Tile]:
    """The headline figures with their trend against the previous period."""
    trend = c.metrics["trend"]
    names = c.stage_names
    out = [
        _tile(c, f"entered_{s}", f"Entered {short_name(s, names[s])}", number)
        for s in ("mql", "sal", "sql")
        if f"entered_{s}" in trend
    ]
    out.append(_tile(c, f"entered_{c.won_stage}", f"Won ({names[c.won_stage].lower()})", number))
    out.append(_tile(c, "revenue", "Revenue won", money))
    out.append(_tile(c, "pipeline", "Pipeline created", money))
    out.append(_tile(c, "marketing_sourced_revenue", "Marketing-sourced revenue", money))
    now = c.metrics["marketing_sourced"]["influenced_revenue"]
    before = c.influenced_previous
    out.append(
        Tile(
            "marketing_influenced_revenue",
            "Marketing-influenced revenue",
            now,
            money(now),
            money(before),
            (now - before) / abs(before) if before else None,
        )
    )
    out.append(_tile(c, "sla_marketing", "SLA compliance, marketing", percent))
    out.append(_tile(c, "sla_sales", "SLA compliance, sales", percent))
    leak = c.metrics["leakage"]["total"]
    out.append(Tile("leakage", "Leaking now", leak, number(leak), "", None, "people in no-man's-land today"))
    return out


def _conversion_note(row: dict[str, Any], names: dict[str, str]) -> str:
    if row["to_next_rate"] is None:
        return ""
    nxt = row["next_stage"]
    return f"{percent(row['to_next_rate'])} to {short_name(nxt, names.get(nxt, nxt))}"


def _charts(c: PackContents) -> dict[str, Markup]:
    names = c.stage_names
    fun = [
        Bar(
            short_name(r["stage"], names.get(r["stage"], r["stage"])),
            float(r["entered"]),
            number(r["entered"]),
            _conversion_note(r, names),
        )
        for r in c.metrics["funnel"]
    ]
    sla = [
        Bar(
            f"{team.title()} · {'all SLAs' if row['sla_id'] == '(all)' else row['sla_id']}",
            float(row["compliance"] or 0.0),
            percent(row["compliance"]),
        )
        for team in ("marketing", "sales")
        for row in c.metrics["sla"]["detail"][team]
    ]
    out = {
        "funnel": charts.funnel_chart(fun),
        "sla": charts.bar_chart(sla, maximum=1.0, title="SLA compliance"),
    }
    if c.rejections:
        out["pareto"] = charts.pareto_chart(
            [str(r["reason"]).replace("_", " ") for r in c.rejections],
            [int(r["count"]) for r in c.rejections],
            [float(r["cumulative_share"]) for r in c.rejections],
            title="Rejection reasons (Pareto)",
        )
    if c.attribution:
        out["attribution"] = charts.grouped_chart(
            [label(r["key"]) for r in c.attribution],
            {
                MODEL_NAMES.get(m, m): [r.get(f"{m}_share", 0.0) for r in c.attribution]
                for m in ATTRIBUTION_MODELS
            },
            title="Share of credit per channel and model",
            fmt=lambda v: percent(v, 0),
        )
    if c.mismatch:
        out["mismatch"] = charts.grouped_chart(
            [label(r["segment"]) for r in c.mismatch],
            {
                "share of MQLs": [float(r["mql_share"]) for r in c.mismatch],
                "share of wins": [float(r["win_share"]) for r in c.mismatch],
            },
            title="Where MQLs come from vs where wins come from",
            fmt=lambda v: percent(v, 0),
        )
    leaks = [Bar(label(cause), float(n), number(n)) for cause, n in c.leakage_counts.items()]
    out["leakage"] = charts.bar_chart(leaks, title="People leaking now, by cause", color=charts.PALETTE[3])
    plan = c.metrics["plan"]
    if plan:
        rows = [r for r in plan["stages"] if r["segment"] == plan["segments"][0]["segment"]]
        out["plan"] = charts.grouped_chart(
            [short_name(r["stage"], names.get(r["stage"], r["stage"])) for r in rows],
            {
                "needed": [float(r["needed"] or 0) for r in rows],
                "in pipeline now": [float(r["pipeline_at_or_after"] or 0) for r in rows],
            },
            title="Needed for the goal vs in the pipeline",
            fmt=lambda v: number(v),
        )
    return {k: Markup(v) for k, v in out.items()}


def render_html(c: PackContents) -> str:
    """The pack as one self-contained HTML document (inline CSS and SVG, no script, no external link)."""
    f = c.filters
    return (
        environment()
        .get_template("pack.html")
        .render(
            c=c,
            m=c.metrics,
            f=f,
            tiles=tiles(c),
            charts=_charts(c),
            models=ATTRIBUTION_MODELS,
            model_names=MODEL_NAMES,
            milestone=ATTRIBUTION_MILESTONE,
            last_day=(f.period.end - timedelta(days=1)).date(),
            percent=percent,
            days=days,
            change=change,
        )
    )


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise InvalidInput(
        f"the pack refers to {url!r}",
        where="pack template",
        hint="the pack must be self-contained: inline the resource",
    )


def render_pdf(html: str) -> bytes:
    """The HTML pack printed to A4 PDF by WeasyPrint (which fetches nothing)."""
    from weasyprint import HTML  # imported late: loading pango takes a while and only the PDF needs it

    pdf = HTML(string=html, url_fetcher=_refuse).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def render_pack(ctx: Context, f: Filters, fmt: PackFormat = "html") -> bytes:
    """The pack of a period and filters as HTML (UTF-8) or PDF bytes."""
    html = render_html(gather(ctx, f))
    return render_pdf(html) if fmt == "pdf" else html.encode("utf-8")


def pack_format(path: Path) -> PackFormat:
    """The format a file name asks for (.html, .htm or .pdf)."""
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(
            f"cannot write a pack as {path.name!r}",
            where="--out",
            hint="end the file name with .html or .pdf",
        )
    return fmt


def write_pack(ctx: Context, f: Filters, out: Path) -> Path:
    """Write the pack to `out`, as HTML or PDF by its suffix; returns the path written."""
    data = render_pack(ctx, f, pack_format(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


def pack_filename(f: Filters, fmt: PackFormat = "pdf") -> str:
    """A file name for the pack of these filters: leadflow-pack-2026-Q4[-segment-smb].pdf."""
    parts = [f.period.label, *(f"{k}-{v}" for k, v in f.person_filters().items())]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", "-".join(parts)).strip("-")
    return f"leadflow-pack-{slug}.{fmt}"
