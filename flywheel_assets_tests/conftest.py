"""Shared fixtures. Real-data tests read ../shared/realdata and skip cleanly when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("FLYWHEEL_REALDATA", REPO.parent / "shared" / "realdata"))
TEST_KEY = b"flywheel-test-key"


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real data not found at {REALDATA} (a fresh clone has no ../shared)")
    return REALDATA


@pytest.fixture(scope="session")
def pii_key() -> bytes:
    return TEST_KEY


@pytest.fixture()
def ingest_ctx(pii_key):
    from flywheel_assets.ingest.context import IngestContext

    return IngestContext(key=pii_key)
