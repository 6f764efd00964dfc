"""One typed configuration for a run, loaded from YAML (``flywheel.yaml`` by default; see docs/configuration.md).

Each stage owns its pydantic model (``<stage>/config.py``); this module composes them. Secrets never live here:
the HMAC key comes from ``FLYWHEEL_PII_KEY`` only.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

ENV_CONFIG = "FLYWHEEL_CONFIG"
DEFAULT_CONFIG = Path("flywheel.yaml")

STAGES = {
    "privacy": ("flywheel_assets.privacy.config", "PrivacyConfig"),
    "curate": ("flywheel_assets.curate.config", "CurateConfig"),
    "feedback": ("flywheel_assets.feedback.config", "FeedbackConfig"),
    "export": ("flywheel_assets.export.config", "ExportConfig"),
    "train": ("flywheel_assets.train.config", "TrainConfig"),
}


class PathsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    logs_dir: str = Field("data/landing", description="landing directory of log drops (env FLYWHEEL_LOG_DIR)")
    warehouse: str = Field("data/warehouse.duckdb", description="DuckDB file, or a DuckLake: ducklake:sqlite:FILE, "
                           "ducklake:duckdb:FILE, ducklake:postgres:CONNINFO (env FLYWHEEL_WAREHOUSE)")
    lake_data: str = Field("", description="DuckLake data path: local directory or s3://bucket/prefix (default "
                           "<catalog>.files beside a file catalog; env FLYWHEEL_LAKE_DATA)")
    out_dir: str = Field("data/out", description="export directory (env FLYWHEEL_OUT_DIR)")


class IngestConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    api_records: dict[str, Any] = Field(default_factory=dict, description="ApiRecordsConfig options "
                                        "(dedupe_history, mark_retries, max_text_chars)")
    format_overrides: dict[str, str] = Field(default_factory=dict, description="glob on relative path -> format")
    session_gap_minutes: float = Field(30.0, description="gap that splits a stitched session (no session id)")
    allow_shrink: bool = Field(False, description="let a partition rebuild drop rows (else the blocking "
                               "no_rows_dropped check stops it; flywheel run --force does the same once)")


class ChecksConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_quarantine_share: float = Field(0.05, description="warn when more than this share of records is quarantined")
    min_units_per_partition: int = Field(1, description="a partition with fewer units fails the count check")
    canary_file: str | None = Field(None, description="JSON file of planted canary values that must never reach "
                                    "the clean zone: a list of strings, or {\"canaries\": [{\"value\": ...}]} "
                                    "(the demo manifest); env FLYWHEEL_CANARY_FILE")
    canary_probe_units: int = Field(40, description="units copied, seeded with synthetic canaries and redacted "
                                    "again per partition to estimate the leak rate")


class FlywheelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    paths: PathsConfig = Field(default_factory=PathsConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    checks: ChecksConfig = Field(default_factory=ChecksConfig)
    privacy: dict[str, Any] = Field(default_factory=dict)
    curate: dict[str, Any] = Field(default_factory=dict)
    feedback: dict[str, Any] = Field(default_factory=dict)
    export: dict[str, Any] = Field(default_factory=dict)
    train: dict[str, Any] = Field(default_factory=dict)

    def planted_canaries(self) -> list[str]:
        """Canary values from ``checks.canary_file`` (empty when unset or missing)."""
        import json

        path = self.checks.canary_file
        if not path or not Path(path).exists():
            return []
        data = json.loads(Path(path).read_text())
        items = data.get("canaries", []) if isinstance(data, dict) else data
        return sorted({(c["value"] if isinstance(c, dict) else str(c)) for c in items})

    def stage(self, name: str):
        """The stage's own typed config (validated), e.g. ``cfg.stage("privacy") -> PrivacyConfig``."""
        mod, cls = STAGES[name]
        model = getattr(importlib.import_module(mod), cls)
        return model(**getattr(self, name))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "FlywheelConfig":
        path = Path(path or os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG)
        data = yaml.safe_load(path.read_text()) if path.exists() else {}
        cfg = cls(**(data or {}))
        for name in STAGES:  # validate every stage section now, not when its asset runs
            cfg.stage(name)
        if os.environ.get("FLYWHEEL_CANARY_FILE"):
            cfg.checks.canary_file = os.environ["FLYWHEEL_CANARY_FILE"]
        env = {"logs_dir": "FLYWHEEL_LOG_DIR", "warehouse": "FLYWHEEL_WAREHOUSE", "out_dir": "FLYWHEEL_OUT_DIR",
               "lake_data": "FLYWHEEL_LAKE_DATA"}
        for field, var in env.items():
            if os.environ.get(var):
                setattr(cfg.paths, field, os.environ[var])
        return cfg


def effective_yaml(cfg: FlywheelConfig) -> str:
    """The full configuration with every stage's defaults filled in, as YAML (``flywheel config``)."""
    data = cfg.model_dump(mode="json")
    for name in STAGES:
        data[name] = cfg.stage(name).model_dump(mode="json")
    return yaml.safe_dump(data, sort_keys=False, width=110)
