"""flywheel demo stage: the seeded, deterministic Acme demo-log generator (see docs/demo.md)."""

from flywheel_assets.demo.config import DemoConfig
from flywheel_assets.demo.generator import DemoManifest, generate_demo

__all__ = ["DemoConfig", "DemoManifest", "generate_demo"]
