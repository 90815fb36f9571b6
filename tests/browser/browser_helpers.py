"""Screenshots for the browser tests (a unique module name: several test folders have a conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def shot(page: Any, name: str) -> None:
    """Save a full-page screenshot under test-artifacts/screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
