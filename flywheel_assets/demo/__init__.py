"""flywheel demo stage: the seeded, deterministic Acme demo-log generator (see docs/demo.md)."""

from flywheel_assets.demo.config import DemoConfig
from flywheel_assets.demo.generator import generate_demo
from flywheel_assets.demo.manifest import DemoManifest

__all__ = ["DemoConfig", "DemoManifest", "generate_demo"]
