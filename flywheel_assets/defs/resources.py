"""Dagster resources: the run configuration, warehouse path, landing and export directories, HMAC key."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from flywheel_assets.config import FlywheelConfig
from flywheel_assets.keys import load_key


class FlywheelResource(dg.ConfigurableResource):
    """Where things live. Empty fields fall back to flywheel.yaml (FLYWHEEL_CONFIG) and then the env vars
    FLYWHEEL_LOG_DIR / FLYWHEEL_WAREHOUSE / FLYWHEEL_OUT_DIR / FLYWHEEL_LAKE_DATA."""

    config_path: str = ""
    logs_dir: str = ""
    warehouse: str = ""
    out_dir: str = ""
    demo: bool = False
    force: bool = False  # rebuild even when a partition would lose rows (flywheel run --force / launchpad)
    lake_data: str = ""

    def cfg(self) -> FlywheelConfig:
        cfg = FlywheelConfig.load(self.config_path or None)
        if self.logs_dir:
            cfg.paths.logs_dir = self.logs_dir
        if self.warehouse:
            cfg.paths.warehouse = self.warehouse
        if self.out_dir:
            cfg.paths.out_dir = self.out_dir
        if self.lake_data:
            cfg.paths.lake_data = self.lake_data
        if not os.environ.get("FLYWHEEL_EMBEDDING_CACHE"):
            # embeddings (hashes + vectors, never text) are reused across runs of the global assets
            from flywheel_assets.warehouse import private_dir, resolve

            cache = private_dir(resolve(cfg.paths.warehouse, cfg.paths.lake_data).parent / "embedding_cache")
            os.environ["FLYWHEEL_EMBEDDING_CACHE"] = str(cache)
        return cfg

    @property
    def warehouse_path(self):
        """What the warehouse functions take: the DuckDB file's Path, or a WarehouseSpec for a DuckLake (which
        answers ``.parent`` / ``.with_name`` with a local directory for side files)."""
        from flywheel_assets.warehouse import resolve

        cfg = self.cfg()
        return resolve(cfg.paths.warehouse, cfg.paths.lake_data)

    @property
    def logs_path(self) -> Path:
        return Path(self.cfg().paths.logs_dir)

    @property
    def out_path(self) -> Path:
        return Path(self.cfg().paths.out_dir)

    @property
    def allow_shrink(self) -> bool:
        return self.force or self.cfg().ingest.allow_shrink

    @property
    def index_path(self) -> Path:
        return self.warehouse_path.with_name("landing_index.json")

    def ingest_context(self):
        from flywheel_assets.ingest.context import IngestContext

        from datetime import datetime, timezone

        from flywheel_assets.defs.partitions import earliest_date

        valid = (earliest_date(), datetime.now(timezone.utc).date())
        return IngestContext(key=self.key(), options={"api_records": self.cfg().ingest.api_records,
                                                      "valid_dates": valid})

    def key(self) -> bytes:
        return load_key(demo=self.demo or os.environ.get("FLYWHEEL_DEMO") == "1")
