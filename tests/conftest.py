"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "journeys").glob("*.journey"))


@pytest.fixture
def root() -> Path:
    return ROOT
