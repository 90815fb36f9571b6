"""The model card: what the model learned from, how good it is out of sample, and what the guard found."""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

import leadflow
from leadflow.ml.scorer import Scorer
from leadflow.ml.training import Checked, Evaluation, TrainingOptions

CARD_SCHEMA = "leadflow.model-card/1"
REQUIRED_SECTIONS = (
    "algorithm",
    "evaluation",
    "lift_by_decile",
    "calibration",
    "top_features",
    "training_window",
    "class_balance",
    "leakage_guard",
    "data",
)
_ESTIMATORS = {
    "logistic": "LogisticRegression (L2, C=1) on z-scored numbers and centred one-hot indicators",
    "gbm": "HistGradientBoostingClassifier (100 trees, learning rate 0.1) on the same encoded features",
}
_EXPLANATIONS = {
    "logistic": "exact: coefficient x standardised value, summed per source column; intercept + sum = logit",
    "gbm": "approximate: logit(lead) - logit(lead with the column set to its training median or most common"
    " value), per source column; the parts do not have to add up to the logit",
}


def build_card(
    checked: Checked,
    evaluation: Evaluation,
    scorer: Scorer,
    importance: pd.DataFrame,
    options: TrainingOptions,
    created_at: datetime,
    fingerprint: str | None,
) -> dict[str, Any]:
    """The model card as a JSON-ready dict with every required section."""
    from leadflow.ml.table import frame_fingerprint

    data = checked.data
    quality = evaluation.quality
    positives = data.positives
    features = data.features.loc[:, list(checked.columns)]
    return {
        "schema": CARD_SCHEMA,
        "created_at": created_at.isoformat(),
        "leadflow_version": leadflow.__version__,
        "outcome": data.outcome_name,
        "algorithm": {
            "name": scorer.algorithm,
            "estimator": _ESTIMATORS[scorer.algorithm],
            "calibration": f"CalibratedClassifierCV(method='{scorer.calibration}', ensemble=False)",
            "explanations": _EXPLANATIONS[scorer.algorithm],
            "seed": options.seed,
        },
        "evaluation": {
            "scheme": evaluation.scheme,
            "roc_auc": evaluation.roc_auc,
            "roc_auc_folds": list(evaluation.fold_auc),
            "roc_auc_pooled": quality.roc_auc,
            "pr_auc": quality.pr_auc,
            "brier": quality.brier,
            "base_rate": quality.base_rate,
            "leads": quality.leads,
        },
        "lift_by_decile": [asdict(row) for row in quality.deciles],
        "calibration": [asdict(row) for row in quality.calibration],
        "top_features": importance.head(15).to_dict(orient="records"),
        "training_window": evaluation.window,
        "class_balance": {
            "positive": positives,
            "negative": len(data.outcome) - positives,
            "positive_share": positives / len(data.outcome),
        },
        "leakage_guard": {
            "refused": [],
            "allowed_by_user": list(checked.allowed_leaks),
            "findings": [
                {
                    "column": f.column,
                    "severity": f.severity,
                    "used_in_model": f.column in checked.columns,
                    "reasons": list(f.reasons),
                    "single_feature_auc": f.single_auc,
                    "near_pure_share": f.pure_share,
                    "fill_gap": f.fill_gap,
                    "status_word_share": f.status_share,
                }
                for f in checked.findings
            ],
        },
        "features": {
            "used": [{"column": c, "kind": data.kinds[c]} for c in checked.columns],
            "dropped": [asdict(d) for d in data.dropped],
        },
        "data": {
            "fingerprint": fingerprint or frame_fingerprint(features),
            "fingerprint_of": "file bytes (SHA-256)" if fingerprint else "feature values (SHA-256)",
            "labelled_rows": len(data.outcome),
            "unlabelled_rows": data.unlabelled_rows,
            "feature_columns": len(checked.columns),
        },
    }


def write_card(card: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    """Write card.json and card.html (self-contained: inline CSS, no scripts, no CDN) into directory."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path, html_path = directory / "card.json", directory / "card.html"
    json_path.write_text(json.dumps(card, indent=2, default=str), encoding="utf-8")
    html_path.write_text(render_html(card), encoding="utf-8")
    return json_path, html_path


def render_html(card: dict[str, Any]) -> str:
    """The card as one HTML page a marketing or sales lead can read."""
    ev = card["evaluation"]
    algo = card["algorithm"]
    balance = card["class_balance"]
    parts = [
        f"<h1>Lead score model card: {_e(card['outcome'])}</h1>",
        f"<p class=meta>Created {_e(card['created_at'])} by LeadFlow {_e(card['leadflow_version'])}</p>",
        "<h2>Algorithm</h2>",
        _kv({k: algo[k] for k in ("name", "estimator", "calibration", "explanations")}),
        "<h2>Evaluation</h2>",
        f"<p>{_e(ev['scheme'])}: ROC AUC <b>{ev['roc_auc']:.3f}</b> (folds: "
        + ", ".join(f"{a:.3f}" for a in ev["roc_auc_folds"])
        + f"), PR AUC <b>{ev['pr_auc']:.3f}</b> against a base rate of {ev['base_rate']:.1%},"
        f" Brier score {ev['brier']:.3f}.</p>",
        "<h2>Lift and capture by decile</h2>",
        "<p>Leads ranked by score; decile 1 holds the top 10 %.</p>",
        _table(
            ["Decile", "Leads", "Converted", "Rate", "Lift", "Capture", "Cumulative capture", ""],
            [
                [
                    r["decile"],
                    r["leads"],
                    r["converted"],
                    f"{r['rate']:.1%}",
                    f"{r['lift']:.2f}",
                    f"{r['capture']:.1%}",
                    f"{r['cumulative_capture']:.1%}",
                    _bar(r["cumulative_capture"]),
                ]
                for r in card["lift_by_decile"]
            ],
        ),
        "<h2>Calibration</h2>",
        "<p>Deciles of predicted probability against the observed rate (out of sample).</p>",
        _table(
            ["Bin", "Leads", "Mean predicted", "Observed"],
            [
                [r["bin"], r["leads"], f"{r['mean_predicted']:.1%}", f"{r['observed']:.1%}"]
                for r in card["calibration"]
            ],
        ),
        "<h2>Top features</h2>",
        _table(
            ["Column", "Mean |contribution| (log-odds)", "Direction"],
            [
                [r["column"], f"{r['mean_abs_contribution']:.3f}", r["direction"]]
                for r in card["top_features"]
            ],
        ),
        "<h2>Training window</h2>",
        _kv(card["training_window"]),
        "<h2>Class balance</h2>",
        _kv(
            {
                "reached the outcome": balance["positive"],
                "did not": balance["negative"],
                "share reached": f"{balance['positive_share']:.1%}",
            }
        ),
        "<h2>Leakage guard</h2>",
        _guard(card["leakage_guard"]),
        "<h2>Features</h2>",
        "<p>Used: " + ", ".join(_e(f["column"]) for f in card["features"]["used"]) + "</p>",
        _table(["Dropped column", "Why"], [[d["column"], d["reason"]] for d in card["features"]["dropped"]]),
        "<h2>Data</h2>",
        _kv(card["data"]),
    ]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Model card: {_e(card['outcome'])}</title><style>{_CSS}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>\n"
    )


def _guard(guard: dict[str, Any]) -> str:
    if not guard["findings"]:
        return "<p>No column raised a warning sign.</p>"
    rows = [
        [
            f["column"],
            f["severity"],
            "yes" if f["used_in_model"] else "no",
            f"{f['single_feature_auc']:.2f}",
            "; ".join(f["reasons"]),
        ]
        for f in guard["findings"]
    ]
    note = ""
    if guard["allowed_by_user"]:
        note = (
            "<p class=warn>Kept despite the guard (--allow-leaky): "
            + ", ".join(_e(c) for c in guard["allowed_by_user"])
            + "</p>"
        )
    return note + _table(["Column", "Severity", "In model", "AUC alone", "Why"], rows)


def _kv(values: dict[str, Any]) -> str:
    return _table(["", ""], [[k, v] for k, v in values.items()])


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if isinstance(c, _Raw) else _e(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _Raw(str):
    """Markup built here (bars), inserted without escaping."""


def _bar(share: float) -> _Raw:
    width = max(0.0, min(1.0, float(share))) * 120
    return _Raw(f"<span class=bar style='width:{width:.0f}px'></span>")


def _e(value: Any) -> str:
    return html.escape(str(value))


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1000px;margin:2em auto;
color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;
vertical-align:top;font-size:.9em}th{background:#f4f4f4}.meta{color:#666}.warn{color:#a40}
.bar{display:inline-block;height:10px;background:#3b7dd8}
"""
