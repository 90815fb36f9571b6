"""The pack's SVG charts and number formats, without a store."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from leadflow.reports.charts import Bar, bar_chart, funnel_chart, grouped_chart, pareto_chart
from leadflow.reports.formatting import change, days, direction, label, money, number, percent, ratio

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("viewBox")
    return root


def test_charts_are_well_formed_svg_with_escaped_text() -> None:
    bars = [Bar("Lead <&>", 120, "120", "40% to MQL"), Bar("MQL", 48, "48"), Bar("Won", 0, "0")]
    for svg in (
        funnel_chart(bars),
        bar_chart(bars, title="t"),
        bar_chart([], title="empty"),
        grouped_chart(["a", "b"], {"m1": [0.5, 0.25], "m2": [0.0, 1.0]}, title="g", fmt=str),
        pareto_chart(["x", "y"], [3, 1], [0.75, 1.0], title="p"),
        pareto_chart([], [], [], title="none"),
    ):
        root = _parse(svg)
        assert not any(el.tag.endswith("script") for el in root.iter())
    texts = [t.text for t in _parse(funnel_chart(bars)).iter(f"{SVG}text")]
    assert "Lead <&>" in texts and "40% to MQL" in texts


def test_bars_scale_to_the_largest_value() -> None:
    root = _parse(bar_chart([Bar("a", 1.0, ""), Bar("b", 0.5, "")], maximum=1.0, title="t"))
    widths = [float(r.get("width", 0)) for r in root.iter(f"{SVG}rect")]
    track, full, _, half = widths
    assert full == track and abs(half - track / 2) < 0.2


def test_number_formats() -> None:
    assert number(1234.4) == "1,234" and number(None) == "—" and number(float("nan")) == "—"
    assert money(950) == "950" and money(340600) == "340.6k" and money(1_500_000) == "1.50M"
    assert (
        percent(0.1234) == "12.3%"
        and days(0.71) == "0.7 d"
        and days(36.1) == "36 d"
        and ratio(39.44) == "39.4x"
    )
    assert change(0.25) == "▲ 25%" and change(-0.1) == "▼ 10%" and change(0.0) == "■ 0%"
    assert change(None) == "no comparison" and direction(-0.5) == "down" and direction(None) == "none"
    assert label("sal_untouched") == "SAL untouched" and label("mid_market") == "Mid market"
