"""Entry point for `dagster dev` ([tool.dagster] module_name) and workspace.yaml."""

from flywheel_assets.defs import defs

__all__ = ["defs"]
