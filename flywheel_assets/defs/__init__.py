"""The Dagster layer: assets, checks, partitions, schedules, sensors and resources. Wiring only."""

from __future__ import annotations

import dagster as dg

from flywheel_assets.defs.automation import build_jobs, build_schedules, build_sensors
from flywheel_assets.defs.resources import FlywheelResource

from flywheel_assets.defs.ingest import assets as ingest_assets
from flywheel_assets.defs.segment import assets as segment_assets

STAGE_MODULES = [ingest_assets, segment_assets]
for _name in ("privacy", "curate", "feedback", "export"):
    try:
        STAGE_MODULES.append(__import__(f"flywheel_assets.defs.{_name}.assets", fromlist=["assets"]))
    except ModuleNotFoundError as exc:  # stage not wired yet
        if not exc.name.startswith("flywheel_assets.defs"):
            raise


def all_assets() -> list:
    return dg.load_assets_from_modules(STAGE_MODULES)


def all_checks() -> list:
    return dg.load_asset_checks_from_modules(STAGE_MODULES)


def _split_by_partitioning(assets) -> tuple[list, list]:
    partitioned, global_ = [], []
    for a in assets:
        (partitioned if a.partitions_def is not None else global_).extend(a.keys)
    return partitioned, global_


def build_definitions(resource: FlywheelResource | None = None) -> dg.Definitions:
    assets = all_assets()
    partitioned, global_ = _split_by_partitioning(assets)
    daily_job, global_job = build_jobs(partitioned, global_)
    return dg.Definitions(
        assets=assets,
        asset_checks=all_checks(),
        jobs=[daily_job, global_job],
        schedules=build_schedules(daily_job, global_job),
        sensors=build_sensors(daily_job, global_job),
        resources={"flywheel": resource or FlywheelResource()},
    )


defs = build_definitions()
