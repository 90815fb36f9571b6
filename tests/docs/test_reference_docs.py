"""The reference docs are generated from the code and must be current: every command and setting documented."""

from __future__ import annotations

from pathlib import Path

from leadflow.cli.reference import cli_reference, settings_reference

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reference"


def test_cli_reference_is_current() -> None:
    assert (DOCS / "cli.md").read_text() == cli_reference(), (
        "run `leadflow docs cli` and commit docs/reference/cli.md"
    )


def test_settings_reference_is_current() -> None:
    assert (DOCS / "settings.md").read_text() == settings_reference(), (
        "run `leadflow docs settings` and commit docs/reference/settings.md"
    )


def test_every_command_has_help() -> None:
    text = cli_reference()
    blocks = text.split("### `")[1:]
    missing = [b.split("`")[0] for b in blocks if b.split("\n")[2].strip() == ""]
    assert missing == [], f"commands without a one-line help: {missing}"
