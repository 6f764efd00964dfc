"""flywheel: production LLM logs -> privacy-safe SFT/DPO training data.

Domain code lives in the stage packages (ingest, segment, privacy, curate, feedback, export, train) and never
imports Dagster; ``flywheel_assets.defs`` is the thin Dagster layer that wires them into assets.
"""

__version__ = "0.1.0"
